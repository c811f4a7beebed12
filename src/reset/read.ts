import { type LedgerEntry, RESET_ID } from '../ledger/entry'
import type { LedgerStore } from '../ledger/store'
import type { CheckpointTarget } from '../model/checkpoint-target'
import type { ClientConfig } from '../model/client'
import { isAllowed } from '../model/client'
import { describePosition } from '../model/positions'
import { AppError } from '../problems'
import type { UpstreamContext } from '../upstream/context'
import { describeRanges } from '../upstream/positions'
import { authorize, type ResetLog, recordUpstream } from './scope'
import { assertFits, takeSnapshot } from './snapshot'

export interface ReadInput {
  client: ClientConfig
  target: CheckpointTarget
  upstream: UpstreamContext
  requestId: string
  log: ResetLog
  /** Charges the resolved partitions to the client's rate limit (429 before any is read). */
  admit?: (partitions: number) => Promise<void>
}

/**
 * `GET /v1/checkpoints` (docs/api.md "Reading checkpoints"): each target partition's checkpoint
 * (ShowCheckpoint) read as a position in its retained range (DescribeStream's
 * `sequence_number_range`): `status`, `range`, `position` (RESUME_AFTER aware) and `lag`, int64
 * values as decimal strings. The same scope, validation, token, retry and error rules as a
 * reset, and nothing is changed. One ShowCheckpoint per partition, plus one DescribeStream page
 * per 1 000 partitions (one call for a single partition).
 */
export async function readCheckpoints(input: ReadInput) {
  const { client, target, upstream: ctx, log } = input
  log.stream = target.stream_name
  log.app = target.app_name
  authorize(client, target)
  try {
    const ranges = await describeRanges(ctx, target.stream_name, target.partition_id)
    assertFits(ctx, target.stream_name, ranges.length, 1)
    const partitions = ranges.map((r) => r.partition_id)
    log.partitions = partitions
    await input.admit?.(partitions.length)
    const snapshot = await takeSnapshot(ctx, target, partitions)
    const resumeAfter = ctx.config.resumesAfter(target.stream_name, target.app_name)
    return {
      stream_name: target.stream_name,
      app_name: target.app_name,
      checkpoint_type: 'LAST_READ' as const,
      partitions: snapshot.map((s, i) => ({
        partition_id: s.partition_id,
        sequence_number: s.sequence_number,
        ...describePosition({
          status: ranges[i]?.status ?? 'ACTIVE',
          range: ranges[i]?.range ?? null,
          checkpoint: s.sequence_number,
          resumeAfter,
        }),
      })),
      request_id: input.requestId,
    }
  } finally {
    recordUpstream(log, ctx)
  }
}

/**
 * The ledger entry `resetId` names, if this client may see it. A malformed id, an unknown one
 * and one outside the client's `allow` are the same 404, so existence is not revealed; a
 * malformed id, or a client allowed nothing, never reaches the ledger.
 */
export async function visibleEntry(
  ledger: LedgerStore,
  client: ClientConfig,
  resetId: string
): Promise<LedgerEntry> {
  // A client with an empty `allow` can see no entry: answered without a Durable Object call
  // (docs/shared-state.md: cheap rejections cost no state).
  const visible = client.allow.length > 0 && RESET_ID.test(resetId)
  const entry = visible ? await ledger.get(resetId) : null
  if (!entry || !isAllowed(client.allow, entry.stream_name, entry.app_name)) {
    throw resetNotFound()
  }
  return entry
}

/** The one answer for an unknown reset and for one outside the caller's `allow` (no oracle). */
export function resetNotFound(): AppError {
  return new AppError('reset_not_found', {
    detail: 'No reset with this id is visible to this client',
  })
}
