import { isAllowed } from './auth/allow'
import type { ClientConfig } from './config/types'
import { AppError } from './errors/app-error'
import type { ProblemCode } from './errors/codes'
import type { RequestLog } from './logging/request-log'
import type { UpstreamContext } from './upstream/context'
import { listReadablePartitions } from './upstream/describe-stream'
import { deleteCheckpoint } from './upstream/dis'
import { mapWithLimit } from './upstream/fan-out'
import { ALL_PARTITIONS } from './validation/partition-id'

/** A validated, canonical reset request, whichever route it came from. */
export interface ResetRequest {
  stream_name: string
  app_name: string
  /** A canonical partition id, or `all`. */
  partition: string
  dry_run: boolean
}

export interface ResetReceipt {
  stream_name: string
  app_name: string
  checkpoint_type: 'LAST_READ'
  partitions: string[]
  request_id: string
  dry_run?: true
}

/**
 * DELETEs in flight at once for `partition_id=all`. Workers allows 6 simultaneous outbound
 * connections per invocation (more queue); 5 leaves one for a token refresh.
 */
export const FAN_OUT = 5
/**
 * Subrequests kept back from the plan's limit for everything that is not a first DELETE
 * attempt: up to 2 IAM calls and DescribeStream pages (retries use what is left).
 */
export const SUBREQUEST_RESERVE = 5

/** Everything a reset needs, given explicitly so every route (and undo) can reuse it. */
export interface ResetInput {
  client: ClientConfig
  request: ResetRequest
  /** The request's upstream view: configuration, tokens, deadline. */
  upstream: UpstreamContext
  requestId: string
  log: RequestLog
}

/**
 * The part both routes share once the caller is authenticated and the input is canonical:
 * scope check (403 with no upstream call), partition resolution, DELETEs, receipt.
 */
export async function performReset(input: ResetInput): Promise<ResetReceipt> {
  const { client, request, upstream: ctx, log } = input
  log.stream = request.stream_name
  log.app = request.app_name
  log.dry_run = request.dry_run
  authorize(client, request)
  try {
    const partitions =
      request.partition === ALL_PARTITIONS
        ? await listReadablePartitions(ctx, request.stream_name)
        : [request.partition]
    log.partitions = partitions
    if (!request.dry_run) await deleteAll(ctx, request, partitions)
    return {
      stream_name: request.stream_name,
      app_name: request.app_name,
      checkpoint_type: 'LAST_READ',
      partitions,
      request_id: input.requestId,
      ...(request.dry_run ? { dry_run: true as const } : {}),
    }
  } finally {
    recordUpstream(log, ctx)
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
export function recordUpstream(log: RequestLog, ctx: UpstreamContext): void {
  log.upstream_attempts = ctx.stats.attempts
  log.iam_calls = ctx.stats.iamCalls
  log.token = ctx.stats.token
}

type Outcome =
  | { partition_id: string; result: 'deleted' }
  | { partition_id: string; result: 'failed'; code: ProblemCode; error: AppError }

async function deleteAll(
  ctx: UpstreamContext,
  request: ResetRequest,
  partitions: string[]
): Promise<void> {
  if (partitions.length === 1 && request.partition !== ALL_PARTITIONS) {
    // One partition: its failure is the answer, exactly as DIS caused it.
    await deleteCheckpoint(ctx, {
      stream_name: request.stream_name,
      app_name: request.app_name,
      partition_id: request.partition,
    })
    return
  }
  const maxPartitions = ctx.subrequests.limit - SUBREQUEST_RESERVE
  if (partitions.length > maxPartitions) {
    throw new AppError('invalid_request', {
      detail: `Stream ${request.stream_name} has ${partitions.length} readable partitions; one call resets at most ${maxPartitions} on this deployment (Workers subrequest limit ${ctx.subrequests.limit}). Reset them by single partition_id, or raise WORKERS_SUBREQUEST_LIMIT on a Paid plan.`,
      errors: [
        { field: 'partition_id', message: `all covers more than ${maxPartitions} partitions here` },
      ],
      extensions: { partition_count: partitions.length, max_partitions_per_call: maxPartitions },
    })
  }
  const outcomes = await mapWithLimit(
    partitions,
    FAN_OUT,
    async (partition_id): Promise<Outcome> => {
      try {
        await deleteCheckpoint(ctx, {
          stream_name: request.stream_name,
          app_name: request.app_name,
          partition_id,
        })
        return { partition_id, result: 'deleted' }
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        return { partition_id, result: 'failed', code: error.code, error }
      }
    }
  )
  const failures = outcomes.filter((o) => o.result === 'failed')
  if (failures.length === 0) return
  throw partialFailure(request, outcomes, failures)
}

/** Which cause speaks for a partial failure: our own identity first, then time, then availability. */
const CAUSE_PRIORITY: ProblemCode[] = [
  'upstream_auth_failed',
  'upstream_timeout',
  'upstream_unavailable',
  'rate_limited',
  'upstream_error',
]

function partialFailure(
  request: ResetRequest,
  outcomes: Outcome[],
  failures: Extract<Outcome, { result: 'failed' }>[]
): AppError {
  const rank = (code: ProblemCode) => {
    const i = CAUSE_PRIORITY.indexOf(code)
    return i < 0 ? CAUSE_PRIORITY.length : i
  }
  const cause = [...failures].sort((a, b) => rank(a.code) - rank(b.code))[0]?.error
  const code: ProblemCode =
    cause && rank(cause.code) < CAUSE_PRIORITY.length ? cause.code : 'upstream_error'
  return new AppError(code, {
    detail: `${failures.length} of ${outcomes.length} partitions of ${request.stream_name}/${request.app_name} failed; the others were reset. Retrying the same request is safe (DELETE is idempotent).`,
    headers: cause?.options.headers,
    upstream: cause?.options.upstream,
    reason: `partial failure: ${failures
      .map((f) => `${f.partition_id}=${f.code}`)
      .join(',')
      .slice(0, 500)}`,
    extensions: {
      stream_name: request.stream_name,
      app_name: request.app_name,
      partitions: outcomes.map((o) =>
        o.result === 'deleted'
          ? { partition_id: o.partition_id, result: 'deleted' }
          : { partition_id: o.partition_id, result: 'failed', code: o.code }
      ),
    },
  })
}
