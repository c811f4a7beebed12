import { createMiddleware } from 'hono/factory'
import { findClientByApiKey } from '../auth/api-key'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'

const REALM = 'dis-checkpoint-gateway'
/** RFC 6750 §2.1 `b64token`, bounded so hashing an absurd header costs nothing. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)$/i
const SCHEME_ONLY = /^Bearer\b/i

/**
 * `Authorization: Bearer <api key>` (README "Clients"). Named apart from Hono's `bearerAuth`,
 * which compares against fixed tokens; this one looks up which client a key belongs to.
 *
 * - Missing header, another scheme, or a wrong key: the *same* 401 body, so a caller cannot tell
 *   "missing" from "wrong" (RFC 6750 §3; README "Errors"). The challenge is identical too: RFC 6750 §3 only
 *   *recommends* `error="invalid_token"`, and leaving it out keeps the two cases indistinguishable.
 * - A Bearer header whose token is malformed: 400 `invalid_request` (RFC 6750 §3.1) — a 4xx,
 *   never a 5xx, and no hashing of attacker-sized input.
 * - Keys are accepted only in this header, never in the query string (they would end up in logs).
 */
export const apiKeyAuth = () =>
  createMiddleware<AppEnv>(async function apiKeyAuth(c, next) {
    const header = c.req.header('Authorization')
    if (header === undefined || !SCHEME_ONLY.test(header)) throw unauthenticated()
    const match = BEARER.exec(header)
    if (!match?.[1]) {
      throw new AppError('invalid_request', {
        detail: 'The Authorization header must be "Bearer <api key>"',
        headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_request"` },
        reason: 'malformed bearer header',
      })
    }
    const client = await findClientByApiKey(c.get('runtime').config.clients, match[1])
    if (!client) throw unauthenticated()
    c.set('client', client)
    c.get('log').client_id = client.id
    await next()
  })

function unauthenticated(): AppError {
  return new AppError('unauthenticated', {
    detail: 'A valid API key is required',
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}"` },
  })
}
