import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'

/** The period of the binding in wrangler.toml (`[[ratelimits]] simple.period`). */
const PERIOD_SECONDS = 60

/**
 * Per-client request rate (README "Per-client rate limit"), after authentication and before anything is
 * sent upstream: a runaway or compromised client must not make DIS throttle — or blacklist the
 * gateway's egress IP (DIS.4309) — for every other client (OWASP API4). Keyed by client id, on
 * the Workers Rate Limiting binding, which counts per location and is eventually consistent:
 * it may let a little more through than the configured limit.
 */
export const clientRateLimit = () =>
  createMiddleware<AppEnv>(async function clientRateLimit(c, next) {
    const { success } = await c.env.CLIENT_RATE_LIMITER.limit({ key: c.get('client').id })
    if (!success) {
      throw new AppError('rate_limited', {
        detail: 'This client sent more requests than its rate limit allows; retry later',
        headers: { 'Retry-After': String(PERIOD_SECONDS) },
        reason: 'client rate limit',
      })
    }
    await next()
  })
