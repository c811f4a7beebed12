import type { LedgerEntry } from '../ledger/entry'
import type { ClientConfig } from '../model/client'
import { isAllowed } from '../model/client'
import type { ProblemCode } from '../problems'
import { AppError } from '../problems'
import type { UpstreamContext, UpstreamStats } from '../upstream/context'

/**
 * What the use cases tell the request's log line; the access log (http/) owns the line and
 * writes it. A use case only fills these fields in.
 */
export interface ResetLog {
  client_request_id: string | null
  stream: string | null
  app: string | null
  partitions: string[] | null
  upstream_attempts: number
  iam_calls: number
  token: UpstreamStats['token']
  dry_run?: boolean
  reset_id?: string
  reason?: string
}

/** How a reset or move arrived: the API, or a verified webhook delivery. */
export type Origin = { via: 'api'; deliveryId: null } | { via: 'webhook'; deliveryId: string }

/**
 * What a delete-reset's and a move's ledger entries share (docs/api.md "Safety net"): who, when,
 * through which request, on what; written `in_progress`, before the first upstream change.
 */
export function entryHeader(input: {
  client: ClientConfig
  request: { stream_name: string; app_name: string; partition_id: string }
  upstream: UpstreamContext
  requestId: string
  log: ResetLog
  origin: Origin
}): Pick<
  LedgerEntry,
  | 'created_at'
  | 'client_id'
  | 'via'
  | 'delivery_id'
  | 'request_id'
  | 'client_request_id'
  | 'stream_name'
  | 'app_name'
  | 'partition_selector'
  | 'status'
> {
  return {
    created_at: new Date(input.upstream.deps.now()).toISOString(),
    client_id: input.client.id,
    via: input.origin.via,
    delivery_id: input.origin.deliveryId,
    request_id: input.requestId,
    client_request_id: input.log.client_request_id,
    stream_name: input.request.stream_name,
    app_name: input.request.app_name,
    partition_selector: input.request.partition_id,
    status: 'in_progress',
  }
}

/** 403 with no upstream call unless the client's `allow` covers the stream/app. */
export function authorize(
  client: ClientConfig,
  target: { stream_name: string; app_name: string }
): void {
  if (!isAllowed(client.allow, target.stream_name, target.app_name)) {
    throw new AppError('forbidden', {
      detail: `Client ${client.id} may not touch checkpoints of ${target.stream_name}/${target.app_name}`,
    })
  }
}

/** Copies what the request did upstream into its log line. */
export function recordUpstream(log: ResetLog, ctx: UpstreamContext): void {
  log.upstream_attempts = ctx.stats.attempts
  log.iam_calls = ctx.stats.iamCalls
  log.token = ctx.stats.token
}

/**
 * How long a partition lease (docs/shared-state.md) outlives the deadline of the request
 * holding it: the ledger write that releases it may land just after the deadline; past this,
 * the lease lapses on its own, and an entry still `in_progress` is known to be stuck.
 */
export const LEASE_MARGIN_MS = 2_000

/** Another reset or undo of one of these partitions is running: nothing was sent. */
export function partitionBusy(target: { stream_name: string; app_name: string }): AppError {
  return new AppError('partition_busy', {
    detail: `Another reset or undo of ${target.stream_name}/${target.app_name} on one of these partitions is running; nothing was sent. Retry shortly.`,
    headers: { 'Retry-After': '1' },
  })
}

/**
 * Which cause speaks for a multi-partition failure: our own identity first, then data that is
 * gone for good, then time, then availability.
 */
const CAUSE_PRIORITY: ProblemCode[] = [
  'upstream_auth_failed',
  'sequence_expired',
  'upstream_timeout',
  'upstream_unavailable',
  'rate_limited',
  'upstream_error',
]

function rank(code: ProblemCode): number {
  const i = CAUSE_PRIORITY.indexOf(code)
  return i < 0 ? CAUSE_PRIORITY.length : i
}

/** The most serious of several failures (the first, among equals). */
export function mostSerious(errors: readonly AppError[]): AppError | undefined {
  return [...errors].sort((a, b) => rank(a.code) - rank(b.code))[0]
}

/** The code a partial failure answers with: the most serious known cause, else upstream_error. */
export function partialCode(cause: AppError | undefined): ProblemCode {
  return cause && rank(cause.code) < CAUSE_PRIORITY.length ? cause.code : 'upstream_error'
}
