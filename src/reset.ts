import type { Context } from 'hono'
import { isAllowed } from './auth/allow'
import type { AppEnv } from './env'
import { AppError } from './errors/app-error'
import type { UpstreamContext, UpstreamDeps } from './upstream/context'
import { deleteCheckpoint } from './upstream/dis'

/** A validated, canonical reset request, whichever route it came from. */
export interface ResetRequest {
  stream_name: string
  app_name: string
  /** Canonical partition ids. */
  partitions: string[]
}

export interface ResetReceipt {
  stream_name: string
  app_name: string
  checkpoint_type: 'LAST_READ'
  partitions: string[]
  request_id: string
}

/**
 * The part both routes share once the caller is authenticated and the input is canonical:
 * scope check, upstream DELETE, receipt. A client outside its `allow` patterns gets 403 with no
 * upstream call at all.
 */
export async function performReset(
  c: Context<AppEnv>,
  deps: UpstreamDeps,
  request: ResetRequest
): Promise<ResetReceipt> {
  const log = c.get('log')
  log.stream = request.stream_name
  log.app = request.app_name
  log.partitions = request.partitions
  const client = c.get('client')
  if (!isAllowed(client.allow, request.stream_name, request.app_name)) {
    throw new AppError('forbidden', {
      detail: `Client ${client.id} may not reset checkpoints of ${request.stream_name}/${request.app_name}`,
    })
  }
  const ctx = upstreamContext(c, deps)
  try {
    for (const partition_id of request.partitions) {
      await deleteCheckpoint(ctx, {
        stream_name: request.stream_name,
        app_name: request.app_name,
        partition_id,
      })
    }
  } finally {
    log.upstream_attempts = ctx.stats.attempts
    log.iam_calls = ctx.stats.iamCalls
    log.token = ctx.stats.token
  }
  return {
    stream_name: request.stream_name,
    app_name: request.app_name,
    checkpoint_type: 'LAST_READ',
    partitions: request.partitions,
    request_id: c.get('requestId'),
  }
}

function upstreamContext(c: Context<AppEnv>, deps: UpstreamDeps): UpstreamContext {
  const runtime = c.get('runtime')
  return {
    config: runtime.config,
    tokens: runtime.tokens,
    deps,
    deadline: deps.now() + deps.policy.deadlineMs,
    stats: { attempts: 0, iamCalls: 0, token: 'none' },
  }
}
