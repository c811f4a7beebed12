import { attempt } from './attempt'
import { classifyDis } from './classify'
import type { UpstreamContext } from './context'
import { fetchIamToken } from './iam'
import { retrying } from './retrying'

export interface CheckpointRef {
  stream_name: string
  app_name: string
  /** Canonical `shardId-NNNNNNNNNN`; nothing else is ever sent. */
  partition_id: string
}

/**
 * DeleteCheckpoint (upstream-facts §1.1, T5): `DELETE /v2/{project_id}/checkpoints`.
 * The URL is built from the configured origin, the configured project id and URLSearchParams,
 * so no caller value can change host, path or the parameter set (OWASP API7). Nothing from the
 * caller's request is forwarded: the headers are built here from scratch.
 */
export async function deleteCheckpoint(ctx: UpstreamContext, ref: CheckpointRef): Promise<void> {
  const url = new URL(`/v2/${ctx.config.projectId}/checkpoints`, ctx.config.disEndpoint)
  url.search = new URLSearchParams({
    stream_name: ref.stream_name,
    app_name: ref.app_name,
    checkpoint_type: 'LAST_READ',
    partition_id: ref.partition_id,
  }).toString()
  await disCall(ctx, 'DELETE', url)
}

/**
 * One DIS call with the token dance: use the cached token, and if DIS rejects it, drop it,
 * fetch a new one and retry — once (contract §4: never loop on auth failures).
 * Returns the successful response body.
 */
export async function disCall(
  ctx: UpstreamContext,
  method: 'GET' | 'DELETE',
  url: URL,
  maxBodyBytes?: number
): Promise<string> {
  const { deps } = ctx
  let refreshed = false
  let token = ''
  const verdict = await retrying(ctx, {
    maxAttempts: deps.policy.maxAttempts,
    once: async (timeoutMs) => {
      const lease = await ctx.tokens.get(() => fetchIamToken(ctx), ctx.deadline)
      token = lease.token
      if (ctx.stats.token !== 'fetch') ctx.stats.token = lease.source
      ctx.stats.attempts++
      const outcome = await attempt(
        deps.fetch,
        {
          url: url.href,
          method,
          headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
        },
        Math.min(timeoutMs, ctx.deadline - deps.now()),
        maxBodyBytes
      )
      return classifyDis(outcome, deps.now())
    },
    onTokenRejected: () => {
      ctx.tokens.invalidate(token)
      if (refreshed) return false
      refreshed = true
      return true
    },
  })
  return verdict.body
}
