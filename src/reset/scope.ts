import { isAllowed } from '../auth/allow'
import type { ClientConfig } from '../config/types'
import { AppError } from '../errors/app-error'
import type { RequestLog } from '../logging/request-log'
import type { UpstreamContext } from '../upstream/context'

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
