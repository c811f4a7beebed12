import { type LedgerEntry, type LedgerPartition, newResetId } from '../ledger/entry'
import type { LedgerStore } from '../ledger/store'
import { mapWithLimit } from '../lib/concurrency'
import { ALL_PARTITIONS, type CheckpointTarget } from '../model/checkpoint-target'
import type { ClientConfig } from '../model/client'
import type { ProblemCode } from '../problems'
import { AppError } from '../problems'
import type { UpstreamContext } from '../upstream/context'
import { deleteCheckpoint } from '../upstream/dis'
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
import { FAN_OUT, type Snapshot, takeSnapshot, targetPartitions } from './snapshot'
import { verifyReset } from './verify'

/** A validated, canonical reset request, whichever route it came from. */
/** A checkpoint target (one partition id, or `all`) and whether this is a dry run. */
interface ResetRequest extends CheckpointTarget {
  dry_run: boolean
}

export interface ResetReceipt {
  stream_name: string
  app_name: string
  checkpoint_type: 'LAST_READ'
  partitions: string[]
  /** The ledger entry (absent for dry runs and with RESET_LEDGER=off). */
  reset_id?: string
  /** What the reset wiped (or would wipe, for a dry run), in partition order. */
  previous?: { partition_id: string; sequence_number: string | null }[]
  request_id: string
  dry_run?: true
}

/** Everything a reset needs, given explicitly so every route can reuse it. */
export interface ResetInput {
  client: ClientConfig
  request: ResetRequest
  /** The request's upstream view: configuration, tokens, deadline. */
  upstream: UpstreamContext
  requestId: string
  log: ResetLog
  /** Who asked: an API call, or a verified webhook delivery. */
  origin: Origin
  /** The reset ledger, or null with RESET_LEDGER=off (a pure DELETE proxy). */
  ledger: LedgerStore | null
  /**
   * Runs work that need not delay the answer (the runtime's `waitUntil`); if it fails, the
   * request's late-failure line says `failure` (with `reset_id` when given).
   */
  background: (work: Promise<unknown>, failure: { reason: string; reset_id?: string }) => void
  /** Charges the resolved partitions to the client's rate limit (429 before any is touched). */
  admit?: (partitions: number) => Promise<void>
}

/**
 * The reset both routes share once the caller is authenticated and the input is canonical
 * (docs/api.md "Safety net"): scope check (403, no upstream call) → partitions → leases on them
 * (409 `partition_busy` while another reset or undo holds one; nothing sent) → snapshot of each
 * (ShowCheckpoint) → ledger entry written durably → DELETEs → entry completed and leases
 * released → receipt. No DELETE is sent without a lease, a snapshot and an entry; with
 * RESET_LEDGER=off it is only partitions → DELETEs, and dry runs take no lease.
 */
export async function performReset(input: ResetInput): Promise<ResetReceipt> {
  const { client, request, upstream: ctx, log, ledger } = input
  log.stream = request.stream_name
  log.app = request.app_name
  log.dry_run = request.dry_run
  authorize(client, request)
  try {
    // Per partition: the DELETE; with the ledger, its snapshot and (RESET_VERIFY_SECONDS > 0) the
    // verification re-read, all in this invocation's subrequest budget.
    const perPartition = ledger ? (ctx.config.verifySeconds > 0 ? 3 : 2) : 1
    const partitions = await targetPartitions(ctx, request, perPartition)
    log.partitions = partitions
    await input.admit?.(partitions.length)
    if (!ledger) {
      const receipt = receiptOf(input, partitions)
      if (request.dry_run) return { ...receipt, dry_run: true }
      throwOnFailure(request, partitions, await deleteEach(ctx, request, partitions))
      return receipt
    }
    if (request.dry_run) {
      const snapshot = await takeSnapshot(ctx, request, partitions)
      return { ...receiptOf(input, partitions, snapshot), dry_run: true }
    }
    return await leasedReset(input, ledger, partitions)
  } finally {
    recordUpstream(log, ctx)
  }
}

/** The reset with the ledger on, inside leases on its partitions. */
async function leasedReset(
  input: ResetInput,
  ledger: LedgerStore,
  partitions: string[]
): Promise<ResetReceipt> {
  const { request, upstream: ctx, log } = input
  const target = { stream_name: request.stream_name, app_name: request.app_name }
  const holder = input.requestId
  if (!(await ledger.lease(target, partitions, holder, ctx.deadline + LEASE_MARGIN_MS))) {
    throw partitionBusy(request)
  }
  // Until the DELETEs start, a failure releases the leases; once the entry is written, it also
  // marks it `abandoned` (the write may have landed although the call failed): nothing changed.
  let written: string | undefined
  let completing = false
  try {
    const snapshot = await takeSnapshot(ctx, request, partitions)
    const entry = newEntry(input, snapshot)
    written = entry.reset_id
    await ledger.record(entry)
    log.reset_id = entry.reset_id
    const attemptsBefore = ctx.stats.attempts
    completing = true
    const outcomes = await deleteEach(ctx, request, partitions)
    const sent = ctx.stats.attempts > attemptsBefore
    const recorded = entry.partitions.map((p, i) => withOutcome(p, outcomes[i]))
    // The outcome is recorded after the answer: the DELETEs are done either way, and the caller
    // need not wait for a second ledger write. The same write releases the leases. If it fails,
    // the entry stays `in_progress` (undo needs force=true once it is stuck), the leases lapse
    // with their deadline, and a line says so.
    input.background(
      ledger.complete(entry.reset_id, sent ? statusOf(outcomes) : 'abandoned', recorded),
      { reason: 'ledger: outcome not recorded', reset_id: entry.reset_id }
    )
    const deleted = recorded.filter((p) => p.result === 'deleted')
    if (ctx.config.verifySeconds > 0 && deleted.length > 0) {
      // After the answer: the timer starts now, the caller does not wait for it.
      input.background(
        verifyReset({
          upstream: ctx,
          ledger,
          reset_id: entry.reset_id,
          request_id: input.requestId,
          target,
          left: deleted.map((p) => ({ partition_id: p.partition_id, sequence_number: null })),
          seconds: ctx.config.verifySeconds,
        }),
        { reason: 'ledger: verification not recorded', reset_id: entry.reset_id }
      )
    }
    throwOnFailure(request, partitions, outcomes, { reset_id: entry.reset_id })
    return { ...receiptOf(input, partitions, snapshot), reset_id: entry.reset_id }
  } catch (error) {
    if (!completing) {
      input.background(ledger.release(target, partitions, holder, written), {
        reason: 'ledger: leases not released (they lapse)',
        ...(written ? { reset_id: written } : {}),
      })
    }
    throw error
  }
}

function receiptOf(input: ResetInput, partitions: string[], snapshot?: Snapshot): ResetReceipt {
  return {
    stream_name: input.request.stream_name,
    app_name: input.request.app_name,
    checkpoint_type: 'LAST_READ',
    partitions,
    ...(snapshot ? { previous: snapshot.map(previousOf) } : {}),
    request_id: input.requestId,
  }
}

type Outcome = { result: 'deleted' } | { result: 'failed'; error: AppError }

/** DELETEs every partition with bounded fan-out; failures are collected, not thrown. */
async function deleteEach(
  ctx: UpstreamContext,
  request: ResetRequest,
  partitions: readonly string[]
): Promise<Outcome[]> {
  return mapWithLimit(partitions, FAN_OUT, async (partition_id): Promise<Outcome> => {
    try {
      await deleteCheckpoint(ctx, { ...request, partition_id })
      return { result: 'deleted' }
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      return { result: 'failed', error }
    }
  })
}

function previousOf(state: Snapshot[number]) {
  return { partition_id: state.partition_id, sequence_number: state.sequence_number }
}

function newEntry(input: ResetInput, snapshot: Snapshot): LedgerEntry {
  return {
    reset_id: newResetId(),
    kind: 'delete',
    ...entryHeader(input),
    partitions: snapshot.map((state) => ({
      partition_id: state.partition_id,
      previous_sequence_number: state.sequence_number,
      previous_metadata: state.metadata,
      result: 'pending',
    })),
    undo: null,
    verification: null,
  }
}

function withOutcome(partition: LedgerPartition, outcome: Outcome | undefined): LedgerPartition {
  if (outcome?.result === 'deleted') return { ...partition, result: 'deleted' }
  return { ...partition, result: 'failed', code: outcome?.error.code ?? 'internal' }
}

function statusOf(outcomes: readonly Outcome[]): 'completed' | 'partial' | 'failed' {
  const deleted = outcomes.filter((o) => o.result === 'deleted').length
  return deleted === outcomes.length ? 'completed' : deleted === 0 ? 'failed' : 'partial'
}

/**
 * One partition named by the caller: its failure is the answer, exactly as DIS caused it. For
 * `all`, a partial failure lists every partition's outcome, so a retry is safe (a repeated
 * DELETE of a reset partition succeeds: DIS.4375 counts as done).
 */
function throwOnFailure(
  request: ResetRequest,
  partitions: readonly string[],
  outcomes: readonly Outcome[],
  extensions: Record<string, unknown> = {}
): void {
  const failures = outcomes.flatMap((o) => (o.result === 'failed' ? [o.error] : []))
  if (failures.length === 0) return
  const cause = mostSerious(failures)
  if (outcomes.length === 1 && request.partition_id !== ALL_PARTITIONS && cause) {
    throw new AppError(cause.code, {
      ...cause.options,
      extensions: { ...cause.options.extensions, ...extensions },
    })
  }
  const code: ProblemCode = partialCode(cause)
  throw new AppError(code, {
    detail: `${failures.length} of ${outcomes.length} partitions of ${request.stream_name}/${request.app_name} failed; the others were reset. Retrying the same request is safe (DELETE is idempotent).`,
    headers: cause?.options.headers,
    upstream: cause?.options.upstream,
    reason: `partial failure: ${failures.length}/${outcomes.length} (${cause?.code})`,
    extensions: {
      ...extensions,
      stream_name: request.stream_name,
      app_name: request.app_name,
      partitions: outcomes.map((o, i) => ({
        partition_id: partitions[i],
        ...(o.result === 'deleted'
          ? { result: 'deleted' }
          : { result: 'failed', code: o.error.code }),
      })),
    },
  })
}
