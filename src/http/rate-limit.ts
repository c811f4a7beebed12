import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { AppError } from '../problems'
import type { AppEnv } from './context'

/** The period of the binding in wrangler.jsonc (`ratelimits[0].simple.period`). */
const PERIOD_SECONDS = 60

/**
 * Per-client request rate (docs/api.md "Per-client rate limit"), after authentication and before
 * anything is sent upstream: a runaway or compromised client must not make DIS throttle — or
 * blacklist the gateway's egress IP (DIS.4309) — for every other client (OWASP API4). Keyed by
 * client id, on the Workers Rate Limiting binding, which counts per location and is eventually
 * consistent: it may let a little more through than the configured limit. A request counts 1 here;
 * one that turns out to touch n partitions is charged the other n − 1 by `chargeFanOut`.
 */
export const clientRateLimit = () =>
  createMiddleware<AppEnv>(async function clientRateLimit(c, next) {
    await admitClient(c)
    await next()
  })

/** The same check as a plain call, for the Bearer routes' one middleware (http/bearer.ts). */
export async function admitClient(c: Context<AppEnv>): Promise<void> {
  const { success } = await c.env.CLIENT_RATE_LIMITER.limit({ key: c.get('client').id })
  if (!success)
    throw rateLimited(
      'This client sent more requests than its rate limit allows; retry later',
      'client rate limit'
    )
}

/**
 * The fan-out weighs on the same limit (docs/api.md "Per-client rate limit"): a request that
 * touches n partitions counts n, so `partition_id=all` over 32 partitions cannot multiply one
 * client's DIS traffic 32-fold within its request rate. Called once the partitions are known
 * (after DescribeStream for `all`) and before any per-partition call; over the limit it throws
 * `429 rate_limited` and nothing is snapshotted, recorded or deleted.
 *
 * The binding allows a call while the client's counter is *below* the limit, whatever the
 * call's `delta`: a single call of delta n − 1 would let a request that crosses the limit
 * through. So at most two calls, whatever n: delta n − 2 (when n ≥ 3), then a probe of 1.
 * The probe succeeds only if the counter — with every other unit of this request already
 * added — is still below the limit, i.e. only if all n units fit. The units a refused request
 * added stay counted (the binding cannot give them back): a client that asks for more than it
 * has left is limited until the window ends, as its next requests would have been anyway.
 */
export function chargeFanOut(c: Context<AppEnv>): (partitions: number) => Promise<void> {
  return async (partitions) => {
    if (partitions <= 1) return
    const limiter = c.env.CLIENT_RATE_LIMITER
    const key = c.get('client').id
    if (partitions > 2) await limiter.limit({ key, delta: partitions - 2 })
    const { success } = await limiter.limit({ key })
    if (!success)
      throw rateLimited(
        `This request touches ${partitions} partitions, which count ${partitions} against this client's rate limit, and they do not fit in what is left of it; nothing was sent. Retry later, or name fewer partitions`,
        `client rate limit (fan-out of ${partitions} partitions)`
      )
  }
}

function rateLimited(detail: string, reason: string): AppError {
  return new AppError('rate_limited', {
    detail,
    headers: { 'Retry-After': String(PERIOD_SECONDS) },
    reason,
  })
}
