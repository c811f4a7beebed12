import { createMiddleware } from 'hono/factory'
import { sha256, timingSafeEqualBytes } from '../lib/crypto'
import type { ClientConfig } from '../model/client'
import { AppError } from '../problems'
import type { AppEnv } from './context'
import { clientRateLimit } from './rate-limit'

const REALM = 'dis-checkpoint-gateway'
/** RFC 6750 §2.1 `b64token`, bounded so hashing an absurd header costs nothing. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)$/i
const SCHEME_ONLY = /^Bearer\b/i

/**
 * `Authorization: Bearer <api key>` (README "Clients"). Named apart from Hono's `bearerAuth`,
 * which compares against fixed tokens; this one looks up which client a key belongs to.
 *
 * - Missing header, another scheme, or a wrong key: the *same* 401 body, so a caller cannot tell
 *   "missing" from "wrong" (RFC 6750 §3; docs/api.md "Errors"). The challenge is identical too: RFC
 *   6750 §3 only *recommends* `error="invalid_token"`, and leaving it out keeps the two cases
 *   indistinguishable.
 * - A Bearer header whose token is malformed: 400 `invalid_request` (RFC 6750 §3.1) — a 4xx,
 *   never a 5xx, and no hashing of attacker-sized input.
 * - Keys are accepted only in this header, never in the query string (they would end up in logs).
 */
const apiKeyAuth = () =>
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
    const client = await findClientByApiKey(c.get('isolate').config.clients, match[1])
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

/**
 * Finds the client whose stored SHA-256 matches the presented API key.
 *
 * Keys are high-entropy random strings, so a fast hash is the right tool (no KDF needed) and
 * only the digest is ever stored. The digest is compared against *every* stored digest with a
 * constant-time comparison and no early exit, so response time does not reveal how much of a
 * digest matched or which client came close (CWE-208).
 */
async function findClientByApiKey(
  clients: readonly ClientConfig[],
  key: string
): Promise<ClientConfig | undefined> {
  const digest = await sha256(key)
  let found: ClientConfig | undefined
  for (const client of clients) {
    for (const stored of client.apiKeyHashes) {
      if (timingSafeEqualBytes(digest, stored) && !found) found = client
    }
  }
  return found
}

/**
 * `DELETE` and `GET` take their parameters from the query only. A body is refused rather than
 * ignored: a caller who put `partition_id` in a body would otherwise get a different request
 * than the one they wrote (docs/api.md "Parameters").
 */
const noBody = () =>
  createMiddleware<AppEnv>(async function noBody(c, next) {
    const length = c.req.header('content-length')
    const hasBody =
      c.req.header('transfer-encoding') !== undefined ||
      (length !== undefined ? length !== '0' : c.req.raw.body !== null)
    if (hasBody) {
      throw new AppError('invalid_request', {
        detail: `${c.req.method} takes no body; send the parameters in the query string`,
        errors: [{ field: '(body)', message: 'a body is not accepted on this method' }],
      })
    }
    await next()
  })

/**
 * What every Bearer route runs before its own validation, in this order: the API key (401),
 * the client's rate limit (429, before anything upstream), and no body (400: the parameters
 * are in the query).
 */
export const bearerRoute = () => [apiKeyAuth(), clientRateLimit(), noBody()] as const
