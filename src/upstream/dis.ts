import { attempt } from './attempt'
import { classifyDis } from './classify'
import type { UpstreamContext } from './context'
import { retrying } from './retrying'
import type { TokenLease } from './token-cache'

export interface CheckpointRef {
  stream_name: string
  app_name: string
  /** Canonical `shardId-NNNNNNNNNN`; nothing else is ever sent. */
  partition_id: string
}

/** DIS.4375 "The app does not commit checkpoint" (docs/upstream.md § Error codes). */
export const NOT_COMMITTED = 'DIS.4375'

/** The checkpoint query every DIS checkpoint API takes (docs/upstream.md T5, T15). */
export function checkpointUrl(ctx: UpstreamContext, ref: CheckpointRef): string {
  const query = new URLSearchParams({
    stream_name: ref.stream_name,
    app_name: ref.app_name,
    checkpoint_type: 'LAST_READ',
    partition_id: ref.partition_id,
  })
  return `${ctx.config.checkpointsUrl}?${query}`
}

/**
 * DeleteCheckpoint (docs/upstream.md T5): `DELETE /v2/{project_id}/checkpoints`.
 * The URL is built from the configured origin, the configured project id and URLSearchParams,
 * so no caller value can change host, path or the parameter set (OWASP API7). Nothing from the
 * caller's request is forwarded: the headers are built here from scratch.
 * `DIS.4375` (nothing committed) means there was nothing to delete: the reset is done, so a
 * repeated reset, or the retry of a partly failed `all`, succeeds.
 */
export async function deleteCheckpoint(ctx: UpstreamContext, ref: CheckpointRef): Promise<void> {
  await disCall(ctx, { method: 'DELETE', url: checkpointUrl(ctx, ref), accept: [NOT_COMMITTED] })
}

export interface DisCall {
  method: 'GET' | 'POST' | 'DELETE'
  /** Built from the configured origin and project only (plus encoded parameters). */
  url: string
  body?: string
  maxBodyBytes?: number
  /** DIS error codes that mean success for this call (the body is then empty). */
  accept?: readonly string[]
}

export interface DisAnswer {
  body: string
  /** The accepted DIS error code, when the call "succeeded" through one. */
  acceptedCode?: string
}

/**
 * One DIS call with the token dance (README "How it behaves"): use the cached token; if DIS rejects
 * it, drop it, fetch a new one and retry — once. A token issued while this request was running
 * is already fresh: DIS rejecting it (or the one fetched after a rejection) means the gateway's
 * own identity is refused, so the token breaker trips and later requests fail fast instead of
 * logging in again — the login storm that locks IAM users and gets the egress IP blacklisted.
 */
export async function disCall(ctx: UpstreamContext, call: DisCall): Promise<DisAnswer> {
  const { deps } = ctx
  let refreshed = false
  let lease: TokenLease | undefined
  const verdict = await retrying(ctx, {
    maxAttempts: deps.policy.maxAttempts,
    once: async (timeoutMs) => {
      lease = await ctx.tokens.get(() => ctx.supply.issue(), ctx.deadline)
      if (ctx.stats.token !== 'fetch') ctx.stats.token = lease.source
      ctx.stats.attempts++
      const outcome = await attempt(
        deps.fetch,
        {
          url: call.url,
          method: call.method,
          headers: { 'X-Auth-Token': lease.token, 'Content-Type': 'application/json' },
          body: call.body,
        },
        Math.min(timeoutMs, ctx.deadline - deps.now()),
        call.maxBodyBytes
      )
      return classifyDis(outcome, deps.now(), call.accept)
    },
    onTokenRejected: async (error) => {
      const used = lease
      if (!used) return false
      if (refreshed || used.issuedAt >= ctx.startedAt) {
        ctx.tokens.tripBreaker(error)
        await ctx.supply.refused(used.token)
        return false
      }
      ctx.tokens.invalidate(used.token)
      await ctx.supply.dropped(used.token)
      refreshed = true
      return true
    },
  })
  return verdict.acceptedCode
    ? { body: '', acceptedCode: verdict.acceptedCode }
    : { body: verdict.body }
}
