import type { MoveTargetType, OutOfRange } from './move-target'
import { committedFor, positionOf, type SequenceRange } from './positions'

/**
 * Where a move puts each partition, from facts the route has
 * already read: the range, the checkpoint, and for time targets what GetCursor/GetRecords found.
 * Also the subrequest cost of a move, checked before any call. Pure: BigInt in, BigInt out.
 */

/** What the route learned about the target for one partition. */
export type TargetFacts =
  | { type: 'earliest' }
  | { type: 'latest' }
  | { type: 'sequence_number'; sequence_number: bigint }
  | { type: 'shift_by'; shift_by: bigint }
  /** The other app's checkpoint on this partition, and whether *it* resumes after it. */
  | { type: 'app'; checkpoint: bigint | null; resumeAfter: boolean }
  /**
   * A timestamp or duration move, T = `atMs`: the first record GetRecords returned from an
   * AT_TIMESTAMP cursor, or none at or after T, or `before_retention` (DIS.4300).
   */
  | {
      type: 'time'
      atMs: number
      found: { sequence_number: bigint; timestamp: number } | 'no_record_after' | 'before_retention'
    }

/** One partition as the plan reads it. */
export interface PartitionFacts {
  partition_id: string
  range: SequenceRange
  /** This app's current checkpoint (`null` = nothing committed). */
  checkpoint: bigint | null
  /** Whether the app being moved resumes after its checkpoint (`RESUME_AFTER`). */
  resumeAfter: boolean
}

/** Why a partition's position is what it is; `null` in the answer when empty. */
export interface Evidence {
  /** The found record's write time (RFC 3339, UTC, ms): it is at or near T, never assumed. */
  record_timestamp?: string
  /** The requested P (decimal), or for a time before retention the requested T (RFC 3339). */
  clamped_from?: string
  /** T (RFC 3339): no record was written at or after it, so P = range.next. */
  no_record_after?: string
  /**
   * Empty GetRecords batches met on the way (DIS may answer empty although records follow):
   * with `no_record_after`, that the search stopped at its bound rather than at the end.
   */
  empty_batches?: number
}

export type PartitionResolution =
  | {
      ok: true
      partition_id: string
      position: bigint
      committed: bigint
      /** The committed value equals the current checkpoint: no call is made. */
      unchanged: boolean
      evidence: Evidence | null
    }
  | {
      ok: false
      partition_id: string
      code: 'position_out_of_range'
      range: SequenceRange
      /** The requested P; `null` when T is older than retention (no P exists). */
      requested: bigint | null
      requested_timestamp?: string
      message: string
    }
  | { ok: false; partition_id: string; code: 'no_checkpoint'; message: string }
  | { ok: false; partition_id: string; code: 'position_not_expressible'; message: string }

/**
 * HTTP status of each per-partition failure: a caller error (400) or a state conflict (409).
 * @public for the moves route, which is not written yet.
 */
export const RESOLUTION_FAILURE_STATUS = {
  position_out_of_range: 409,
  no_checkpoint: 409,
  position_not_expressible: 400,
} as const

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Resolves one partition: P from the target; a P outside `[earliest, next]` is refused
 * (`reject`) or moved to the nearest bound (`clamp`, evidenced by `clamped_from`); then the
 * committed number for the app's convention, and `unchanged` when it equals the checkpoint.
 */
export function resolvePartition(
  partition: PartitionFacts,
  target: TargetFacts,
  outOfRange: OutOfRange
): PartitionResolution {
  const { partition_id, range } = partition
  const evidence: Evidence = {}
  let requested: bigint | null
  switch (target.type) {
    case 'earliest':
      requested = range.earliest
      break
    case 'latest':
      requested = range.next
      break
    case 'sequence_number':
      requested = target.sequence_number
      break
    case 'shift_by': {
      const current = positionOf(partition.checkpoint, partition.resumeAfter)
      if (current === null) return noCheckpoint(partition_id, 'there is no checkpoint to shift')
      requested = current + target.shift_by
      break
    }
    case 'app': {
      requested = positionOf(target.checkpoint, target.resumeAfter)
      if (requested === null)
        return noCheckpoint(partition_id, 'the other app has no checkpoint on this partition')
      break
    }
    case 'time':
      if (target.found === 'before_retention') {
        requested = null
      } else if (target.found === 'no_record_after') {
        requested = range.next
        evidence.no_record_after = iso(target.atMs)
      } else {
        requested = target.found.sequence_number
        evidence.record_timestamp = iso(target.found.timestamp)
      }
      break
  }

  let position: bigint
  if (requested !== null && requested >= range.earliest && requested <= range.next) {
    position = requested
  } else if (outOfRange === 'clamp') {
    position = requested !== null && requested > range.next ? range.next : range.earliest
    evidence.clamped_from =
      requested === null && target.type === 'time' ? iso(target.atMs) : String(requested)
  } else {
    return {
      ok: false,
      partition_id,
      code: 'position_out_of_range',
      range,
      requested,
      ...(target.type === 'time' && requested === null
        ? { requested_timestamp: iso(target.atMs) }
        : {}),
      message:
        requested === null
          ? `partition ${partition_id}: the time is older than the retained records [${range.earliest}, ${range.next}]`
          : `partition ${partition_id}: position ${requested} is outside the retained range [${range.earliest}, ${range.next}]`,
    }
  }

  const commit = committedFor(position, partition.resumeAfter, partition_id)
  if (!commit.ok) return commit
  return {
    ok: true,
    partition_id,
    position,
    committed: commit.committed,
    unchanged: partition.checkpoint === commit.committed,
    evidence: Object.keys(evidence).length > 0 ? evidence : null,
  }
}

function noCheckpoint(partition_id: string, why: string): PartitionResolution {
  return {
    ok: false,
    partition_id,
    code: 'no_checkpoint',
    message: `partition ${partition_id}: ${why}`,
  }
}

/**
 * Upstream calls per partition (the moves route's budget): snapshot
 * (ShowCheckpoint) 1, for time targets GetCursor + GetRecords 2, CommitCheckpoint 1, read-back
 * (ShowCheckpoint) 1, and 1 verification read when `RESET_VERIFY_SECONDS` > 0. `app` adds the
 * other app's ShowCheckpoint (a real call the README's list leaves implicit). `delete`: snapshot,
 * DELETE, verification. Retries are paid from what the reserve leaves.
 */
export function subrequestsPerPartition(type: MoveTargetType, verifySeconds: number): number {
  const verify = verifySeconds > 0 ? 1 : 0
  if (type === 'delete') return 2 + verify
  const lookup = type === 'timestamp' || type === 'duration' ? 2 : type === 'app' ? 1 : 0
  return 3 + lookup + verify
}

/** Kept back for IAM: a token fetch and one refresh after a rejected token. */
export const IAM_RESERVE = 2
/** DescribeStream returns at most 1 000 partitions per page. */
export const PARTITIONS_PER_PAGE = 1000

/** DescribeStream pages needed to read `partitionCount` partitions' ranges (at least one). */
export function describePages(partitionCount: number): number {
  return Math.max(1, Math.ceil(partitionCount / PARTITIONS_PER_PAGE))
}

/**
 * The most partitions one move may cover within `subrequestLimit`, after the DescribeStream
 * pages and the IAM reserve; 0 when not even one fits. On the Free plan (50) a time move with
 * verification covers (50 − 1 − 2) / 6 = 7 partitions.
 */
export function maxPartitions(options: {
  subrequestLimit: number
  type: MoveTargetType
  verifySeconds: number
  describePages: number
  iamReserve?: number
}): number {
  const fixed = options.describePages + (options.iamReserve ?? IAM_RESERVE)
  const per = subrequestsPerPartition(options.type, options.verifySeconds)
  return Math.max(0, Math.floor((options.subrequestLimit - fixed) / per))
}
