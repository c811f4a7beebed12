import { AppError } from '../errors/app-error'
import { attempt, type FetchLike } from './attempt'
import { classifyDis, classifyIdentityCheck } from './classify'
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
 * is already fresh: DIS rejecting it (or the one fetched after a rejection) means either the
 * gateway's own identity is refused or only this resource refuses it. ListStreams with the same
 * token tells which: if it refuses too, the breaker trips and later requests fail fast instead
 * of logging in again — the login storm that locks IAM users and gets the egress IP
 * blacklisted; if it accepts, only this request fails and everyone else carries on.
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
      // ListStreams accepted this very token within the cool-down: only this resource refuses
      // it. Dropping it would cost an IAM login per request on that resource.
      if (ctx.tokens.checked(used.token)?.verdict === 'accepted') throw resourceRefused(error)
      if (!refreshed && used.issuedAt < ctx.startedAt) {
        const known = await ctx.supply.dropped(used.token)
        if (known?.verdict === 'accepted') {
          ctx.tokens.record(used.token, known)
          throw resourceRefused(error)
        }
        ctx.tokens.invalidate(used.token)
        refreshed = true
        return true
      }
      // A fresh token refused: the identity, or only this resource? Ask a call no caller
      // chooses, once per cool-down (README "Shared state").
      const check = await ctx.tokens.confirm(
        used.token,
        () => ctx.supply.confirm(used.token),
        ctx.deadline
      )
      if (check.verdict === 'accepted') throw resourceRefused(error)
      ctx.tokens.tripBreaker(error, check.until)
      return false
    },
  })
  return verdict.acceptedCode
    ? { body: '', acceptedCode: verdict.acceptedCode }
    : { body: verdict.body }
}

function resourceRefused(error: AppError): AppError {
  return new AppError('upstream_auth_failed', {
    upstream: error.options.upstream,
    detail: 'DIS refused the gateway token for this resource',
    reason: 'DIS rejected a fresh token; ListStreams accepted it, so the breaker stays closed',
  })
}

/** ListStreams (`GET /v2/{project_id}/streams?limit=1`): any identity allowed to use DIS in the project may call it. */
export function listStreamsUrl(config: { disEndpoint: string; projectId: string }): string {
  const url = new URL(`/v2/${config.projectId}/streams`, config.disEndpoint)
  url.searchParams.set('limit', '1')
  return url.href
}

/**
 * Is `token` refused as such, or only by one resource? One ListStreams attempt (no retry, no
 * token dance): a call no caller chooses, so no caller can make the gateway trip its own breaker.
 */
export async function checkIdentity(
  fetchImpl: FetchLike,
  url: string,
  token: string,
  timeoutMs: number
): Promise<'accepted' | 'refused'> {
  const outcome = await attempt(
    fetchImpl,
    { url, method: 'GET', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' } },
    timeoutMs
  )
  return classifyIdentityCheck(outcome)
}
