import { type LedgerEntry, type LedgerPartition, newResetId } from '../ledger/entry'
import type { LedgerStore } from '../ledger/store'
import { mapWithLimit } from '../lib/concurrency'
import type { CheckpointTarget } from '../model/checkpoint-target'
import type { ClientConfig } from '../model/client'
import {
  describePages,
  type Evidence,
  maxPartitions,
  type PartitionResolution,
  resolvePartition,
  type TargetFacts,
} from '../model/move-resolution'
import {
  isTimeTarget,
  type MoveTarget,
  type OutOfRange,
  parseSequenceNumber,
  targetInstant,
} from '../model/move-target'
import { compareIfMatch, planETag } from '../model/plan-etag'
import { checkpointNumber, type SequenceRange } from '../model/positions'
import { AppError, type ProblemCode } from '../problems'
import type { UpstreamContext } from '../upstream/context'
import { type CheckpointState, commitCheckpoint, showCheckpoint } from '../upstream/dis'
import { describeRanges, firstRecord, timestampCursor } from '../upstream/positions'
import {
  authorize,
  entryHeader,
  LEASE_MARGIN_MS,
  mostSerious,
  type Origin,
  partialCode,
  partitionBusy,
  type ResetLog,
  recordUpstream,
} from './scope'
import { FAN_OUT } from './snapshot'
import { verifyReset } from './verify'

/**
 * `POST /v1/resets` with a `to` other than `delete` (docs/api.md "Moving a checkpoint"): move one
 * or all partitions of a stream/app to a position, planned first, applied only if asked, with
 * the snapshot, ledger entry, leases and undo of a delete-reset.
 *
 * Order: scope (403) and the time's sanity (400) before any call → DescribeStream (ranges, and
 * the budget's 400 for `all`) → per partition: snapshot, the other app's checkpoint, the
 * AT_TIMESTAMP cursor and first record → every P resolved (any failure: nothing committed) →
 * plan (`dry_run`: answered with its ETag) or `If-Match` (412 when a checkpoint moved) → leases
 * → ledger entry → CommitCheckpoint 5 at a time → read back → outcome recorded → answer.
 */

export interface MoveRequest extends CheckpointTarget {
  to: Exclude<MoveTarget, { type: 'delete' }>
  out_of_range: OutOfRange
  dry_run: boolean
}

export interface MoveInput {
  client: ClientConfig
  request: MoveRequest
  upstream: UpstreamContext
  requestId: string
  log: ResetLog
  origin: Origin
  ledger: LedgerStore
  background: (work: Promise<unknown>, failure: { reason: string; reset_id?: string }) => void
  admit?: (partitions: number) => Promise<void>
  /** The caller's `If-Match` header, when it sent one. */
  ifMatch?: string
}

/** One partition of the answer (strings for every int64). */
export interface MovePartition {
  partition_id: string
  range: { earliest: string; next: string }
  previous: string | null
  position: string | null
  committed: string | null
  evidence: Evidence | null
  result: 'planned' | 'committed' | 'unchanged' | 'failed'
  code?: ProblemCode
  /** What ShowCheckpoint read right after the commit, when it differs from `committed`. */
  read_back?: string | null
}

export interface MoveAnswer {
  reset_id?: string
  stream_name: string
  app_name: string
  to: MoveRequest['to']
  out_of_range: OutOfRange
  status?: 'completed' | 'partial' | 'failed'
  dry_run?: true
  partitions: MovePartition[]
  request_id: string
}

/** Empty GetRecords batches tolerated per partition before the search stops (and says so). */
export const MAX_EMPTY_BATCHES = 3

interface Resolved {
  partition_id: string
  range: SequenceRange
  snapshot: CheckpointState
  source: string | null | undefined
  resolution: PartitionResolution
  emptyBatches: number
}

export async function performMove(input: MoveInput): Promise<{ answer: MoveAnswer; etag: string }> {
  const { client, request, upstream: ctx, log } = input
  log.stream = request.stream_name
  log.app = request.app_name
  log.dry_run = request.dry_run
  authorize(client, request)
  const to = request.to
  if (to.type === 'app')
    authorize(client, { stream_name: request.stream_name, app_name: to.app_name })
  const atMs = instantOf(to, ctx.deps.now())
  const verifySeconds = ctx.config.verifySeconds
  const single = maxPartitions({
    subrequestLimit: ctx.subrequests.limit,
    type: to.type,
    verifySeconds,
    describePages: 1,
  })
  if (single < 1) throw tooMany(request, to.type, 1, single)
  try {
    const ranges = await describeRanges(ctx, request.stream_name, request.partition_id)
    const max = maxPartitions({
      subrequestLimit: ctx.subrequests.limit,
      type: to.type,
      verifySeconds,
      describePages: describePages(ranges.length),
    })
    if (ranges.length > max) throw tooMany(request, to.type, ranges.length, max)
    log.partitions = ranges.map((r) => r.partition_id)
    await input.admit?.(ranges.length)

    const resolved = await resolveAll(input, ranges, atMs)
    throwOnResolutionFailure(request, resolved)
    const etag = await planETag({
      stream_name: request.stream_name,
      app_name: request.app_name,
      partitions: resolved.map((r) => ({
        partition_id: r.partition_id,
        sequence_number: r.snapshot.sequence_number,
      })),
      ...(to.type === 'app'
        ? {
            source: {
              app_name: to.app_name,
              partitions: resolved.map((r) => ({
                partition_id: r.partition_id,
                sequence_number: r.source ?? null,
              })),
            },
          }
        : {}),
    })
    const base = {
      stream_name: request.stream_name,
      app_name: request.app_name,
      to,
      out_of_range: request.out_of_range,
    }
    if (request.dry_run) {
      const partitions = resolved.map((r) => answerPartition(r, planned(r)))
      return {
        answer: { ...base, dry_run: true, partitions, request_id: input.requestId },
        etag,
      }
    }
    if (input.ifMatch !== undefined) checkIfMatch(input.ifMatch, etag, request, resolved)
    const answer = await leasedMove(input, resolved, base)
    return { answer, etag }
  } finally {
    recordUpstream(log, ctx)
  }
}

function instantOf(to: MoveRequest['to'], now: number): number | undefined {
  if (!isTimeTarget(to)) return undefined
  const instant = targetInstant(to, now)
  if (instant.ok) return instant.atMs
  throw new AppError('invalid_request', {
    detail: `The move is invalid: ${instant.error.message}`,
    errors: [instant.error],
  })
}

function tooMany(request: MoveRequest, type: string, count: number, max: number): AppError {
  return new AppError('invalid_request', {
    detail: `A ${type} move covers at most ${max} partitions on this deployment (Workers subrequest limit, per partition: snapshot, ${type === 'timestamp' || type === 'duration' ? 'GetCursor, GetRecords, ' : type === 'app' ? "the other app's checkpoint, " : ''}commit, read-back and verification); ${request.stream_name} has ${count}. Move single partition_ids, or raise WORKERS_SUBREQUEST_LIMIT on a Paid plan.`,
    errors: [{ field: 'partition_id', message: `at most ${max} partitions for a ${type} move` }],
    extensions: { partition_count: count, max_partitions_per_call: max },
  })
}

/** Every partition's facts and P, read with bounded fan-out; an upstream failure fails all. */
async function resolveAll(
  input: MoveInput,
  ranges: { partition_id: string; range: SequenceRange | null }[],
  atMs: number | undefined
): Promise<Resolved[]> {
  const { request, upstream: ctx } = input
  const resumesAfter = ctx.config.resumesAfter
  const results = await mapWithLimit(ranges, FAN_OUT, async (r): Promise<Resolved | AppError> => {
    try {
      const range = r.range as SequenceRange
      const ref = {
        stream_name: request.stream_name,
        app_name: request.app_name,
        partition_id: r.partition_id,
      }
      const snapshot = await showCheckpoint(ctx, ref)
      let emptyBatches = 0
      let source: string | null | undefined
      let facts: TargetFacts
      const to = request.to
      switch (to.type) {
        case 'earliest':
        case 'latest':
          facts = { type: to.type }
          break
        case 'sequence_number': {
          const parsed = parseSequenceNumber(to.sequence_number)
          if (!parsed.ok) throw new AppError('invalid_request', { detail: parsed.message })
          facts = { type: 'sequence_number', sequence_number: parsed.value }
          break
        }
        case 'shift_by':
          facts = { type: 'shift_by', shift_by: BigInt(to.shift_by) }
          break
        case 'app': {
          source = (await showCheckpoint(ctx, { ...ref, app_name: to.app_name })).sequence_number
          facts = {
            type: 'app',
            checkpoint: checkpointNumber(source),
            resumeAfter: resumesAfter(request.stream_name, to.app_name),
          }
          break
        }
        default: {
          const at = atMs as number
          const found = await recordAt(ctx, ref, at)
          emptyBatches = found.emptyBatches
          facts = { type: 'time', atMs: at, found: found.found }
        }
      }
      const resolution = resolvePartition(
        {
          partition_id: r.partition_id,
          range,
          checkpoint: checkpointNumber(snapshot.sequence_number),
          resumeAfter: resumesAfter(request.stream_name, request.app_name),
        },
        facts,
        request.out_of_range
      )
      return { partition_id: r.partition_id, range, snapshot, source, resolution, emptyBatches }
    } catch (error) {
      if (error instanceof AppError) return error
      throw error
    }
  })
  const cause = mostSerious(results.filter((r): r is AppError => r instanceof AppError))
  if (cause) throw cause
  return results as Resolved[]
}

/**
 * The first record written at or after T: GetCursor AT_TIMESTAMP, then GetRecords (limit 1),
 * following the next cursor over at most MAX_EMPTY_BATCHES empty batches. All empty: no record
 * is known at or after T, so P = range.next, and the evidence says how many empty batches led
 * there (a plan shows it before anything is applied).
 */
async function recordAt(
  ctx: UpstreamContext,
  ref: { stream_name: string; partition_id: string },
  atMs: number
): Promise<{
  found: Extract<TargetFacts, { type: 'time' }>['found']
  emptyBatches: number
}> {
  const cursor = await timestampCursor(ctx, ref, atMs)
  if (cursor === 'before_retention') return { found: 'before_retention', emptyBatches: 0 }
  let next: string | null = cursor
  let empty = 0
  while (next !== null && empty < MAX_EMPTY_BATCHES) {
    const batch = await firstRecord(ctx, next)
    if (batch.record) return { found: batch.record, emptyBatches: empty }
    empty++
    next = batch.next
  }
  return { found: 'no_record_after', emptyBatches: empty }
}

/** Any partition that cannot be moved stops the whole move before anything is committed. */
function throwOnResolutionFailure(request: MoveRequest, resolved: Resolved[]): void {
  const failures = resolved.flatMap((r) => (r.resolution.ok ? [] : [r.resolution]))
  if (failures.length === 0) return
  const caller = failures.filter((f) => f.code === 'position_not_expressible')
  if (caller.length > 0) {
    throw new AppError('invalid_request', {
      detail: `The move cannot be expressed for ${request.app_name}, which resumes after its checkpoint: ${caller.map((f) => f.message).join('; ')}. Nothing was changed.`,
      errors: caller.map((f) => ({ field: 'to', message: f.message })),
    })
  }
  const noCheckpoint = failures.filter((f) => f.code === 'no_checkpoint')
  if (noCheckpoint.length > 0) {
    throw new AppError('no_checkpoint', {
      detail: `This move needs a checkpoint that ${noCheckpoint.length} partition(s) do not have; nothing was changed.`,
      extensions: {
        partitions: noCheckpoint.map((f) => ({ partition_id: f.partition_id, message: f.message })),
      },
    })
  }
  const out = failures.flatMap((f) => (f.code === 'position_out_of_range' ? [f] : []))
  throw new AppError('position_out_of_range', {
    detail: `The target lies outside the retained range of ${out.length} partition(s) and out_of_range is reject; nothing was changed. Use "out_of_range": "clamp" to move to the nearest bound.`,
    extensions: {
      partitions: out.map((f) => ({
        partition_id: f.partition_id,
        range: { earliest: f.range.earliest.toString(), next: f.range.next.toString() },
        requested: f.requested === null ? null : f.requested.toString(),
        ...(f.requested_timestamp ? { requested_timestamp: f.requested_timestamp } : {}),
      })),
    },
  })
}

function checkIfMatch(header: string, etag: string, request: MoveRequest, resolved: Resolved[]) {
  const result = compareIfMatch(header, etag)
  if (result === 'match') return
  if (result === 'malformed') {
    throw new AppError('invalid_request', {
      detail: 'If-Match must be the ETag of a plan (a quoted string), a list of them, or *',
      errors: [{ field: 'If-Match', message: 'is not an entity-tag list' }],
    })
  }
  throw new AppError('checkpoints_changed', {
    detail: `A checkpoint of ${request.stream_name}/${request.app_name} moved since the plan was made; nothing was changed. Review the current positions and plan again.`,
    headers: { ETag: etag },
    extensions: {
      partitions: resolved.map((r) => ({
        partition_id: r.partition_id,
        sequence_number: r.snapshot.sequence_number,
        ...(r.source !== undefined ? { source_sequence_number: r.source } : {}),
      })),
    },
  })
}

function planned(r: Resolved): MovePartition['result'] {
  return r.resolution.ok && r.resolution.unchanged ? 'unchanged' : 'planned'
}

function evidenceOf(r: Resolved): Evidence | null {
  if (!r.resolution.ok) return null
  const evidence = r.resolution.evidence
  if (r.emptyBatches === 0) return evidence
  return { ...(evidence ?? {}), empty_batches: r.emptyBatches }
}

function answerPartition(
  r: Resolved,
  result: MovePartition['result'],
  extra: Partial<MovePartition> = {}
): MovePartition {
  const ok = r.resolution.ok ? r.resolution : null
  return {
    partition_id: r.partition_id,
    range: { earliest: r.range.earliest.toString(), next: r.range.next.toString() },
    previous: r.snapshot.sequence_number,
    position: ok ? ok.position.toString() : null,
    committed: ok ? ok.committed.toString() : null,
    evidence: evidenceOf(r),
    result,
    ...extra,
  }
}

type CommitOutcome =
  | { result: 'unchanged' }
  | { result: 'committed'; readBack: string | null | undefined }
  | { result: 'failed'; error: AppError }

/** Leases → ledger entry → commits → read-backs → outcome, as the delete-reset does. */
async function leasedMove(
  input: MoveInput,
  resolved: Resolved[],
  base: Omit<MoveAnswer, 'partitions' | 'request_id'>
): Promise<MoveAnswer> {
  const { request, upstream: ctx, log, ledger } = input
  const target = { stream_name: request.stream_name, app_name: request.app_name }
  const ids = resolved.map((r) => r.partition_id)
  const holder = input.requestId
  const entry = newMoveEntry(input, resolved)
  let taken: boolean
  try {
    // Every partition is resolved already, so the leases and the entry go in one call.
    taken = await ledger.leaseAndRecord(target, ids, holder, ctx.deadline + LEASE_MARGIN_MS, entry)
  } catch (error) {
    // Whether it landed is unknown: release the leases, and mark the entry abandoned if it did
    // (nothing was committed).
    input.background(ledger.release(target, ids, holder, entry.reset_id), {
      reason: 'ledger: leases not released (they lapse)',
      reset_id: entry.reset_id,
    })
    throw error
  }
  if (!taken) throw partitionBusy(request)
  log.reset_id = entry.reset_id
  const attemptsBefore = ctx.stats.attempts
  const outcomes = await mapWithLimit(resolved, FAN_OUT, async (r): Promise<CommitOutcome> => {
    const res = r.resolution
    if (!res.ok || res.unchanged) return { result: 'unchanged' }
    const ref = { ...target, partition_id: r.partition_id }
    try {
      // The partition's current metadata is kept: a move changes only where it reads.
      await commitCheckpoint(ctx, ref, {
        sequence_number: res.committed.toString(),
        metadata: r.snapshot.metadata,
      })
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      return { result: 'failed', error }
    }
    const readBack = await showCheckpoint(ctx, ref).then(
      (state) => state.sequence_number,
      () => undefined
    )
    return { result: 'committed', readBack }
  })
  const sent = ctx.stats.attempts > attemptsBefore
  const changed = outcomes.filter((o) => o.result !== 'unchanged')
  const failedCount = outcomes.filter((o) => o.result === 'failed').length
  const status: 'completed' | 'partial' | 'failed' =
    failedCount === 0 ? 'completed' : failedCount === changed.length ? 'failed' : 'partial'
  const recorded: LedgerPartition[] = entry.partitions.map((p, i) => {
    const o = outcomes[i] as CommitOutcome
    return o.result === 'failed'
      ? { ...p, result: 'failed', code: o.error.code }
      : { ...p, result: o.result }
  })
  input.background(
    ledger.complete(entry.reset_id, sent || changed.length === 0 ? status : 'abandoned', recorded),
    { reason: 'ledger: outcome not recorded', reset_id: entry.reset_id }
  )
  const partitions = resolved.map((r, i) => {
    const o = outcomes[i] as CommitOutcome
    if (o.result === 'failed') return answerPartition(r, 'failed', { code: o.error.code })
    const committed = r.resolution.ok ? r.resolution.committed.toString() : null
    const readBack =
      o.result === 'committed' && o.readBack !== undefined && o.readBack !== committed
        ? { read_back: o.readBack }
        : {}
    return answerPartition(r, o.result, readBack)
  })
  const answer: MoveAnswer = {
    reset_id: entry.reset_id,
    ...base,
    status,
    partitions,
    request_id: input.requestId,
  }
  // Verification re-reads what the move left: the committed number (an unchanged partition
  // already holds it), after the answer.
  if (ctx.config.verifySeconds > 0) {
    input.background(
      verifyReset({
        upstream: ctx,
        ledger,
        reset_id: entry.reset_id,
        request_id: input.requestId,
        target,
        left: resolved.flatMap((r, i) =>
          outcomes[i]?.result === 'failed' || !r.resolution.ok
            ? []
            : [
                {
                  partition_id: r.partition_id,
                  sequence_number: r.resolution.committed.toString(),
                },
              ]
        ),
        seconds: ctx.config.verifySeconds,
      }),
      { reason: 'ledger: verification not recorded', reset_id: entry.reset_id }
    )
  }
  if (status !== 'completed') {
    const cause = mostSerious(outcomes.flatMap((o) => (o.result === 'failed' ? [o.error] : [])))
    throw new AppError(partialCode(cause), {
      detail: `${failedCount} of ${changed.length} partitions of ${request.stream_name}/${request.app_name} could not be committed; the others were moved. Retrying the same request is safe: moved partitions are now unchanged.`,
      headers: cause?.options.headers,
      upstream: cause?.options.upstream,
      reason: `move ${status}: ${failedCount}/${changed.length} (${cause?.code})`,
      // The problem's own `status` is the HTTP status: the move's is `outcome` here.
      extensions: (({ status: outcome, ...rest }) => ({ ...rest, outcome }))(answer),
    })
  }
  return answer
}

function newMoveEntry(input: MoveInput, resolved: Resolved[]): LedgerEntry {
  const { request } = input
  return {
    reset_id: newResetId(),
    kind: 'move',
    to: request.to,
    out_of_range: request.out_of_range,
    ...entryHeader(input),
    partitions: resolved.map((r) => {
      const res = r.resolution.ok ? r.resolution : null
      return {
        partition_id: r.partition_id,
        previous_sequence_number: r.snapshot.sequence_number,
        previous_metadata: r.snapshot.metadata,
        result: res?.unchanged ? 'unchanged' : 'pending',
        position: res ? res.position.toString() : undefined,
        committed: res ? res.committed.toString() : undefined,
        evidence: evidenceOf(r),
      }
    }),
    undo: null,
    verification: null,
  }
}
