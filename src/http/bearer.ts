import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { sha256, timingSafeEqualBytes } from '../lib/crypto'
import type { ClientConfig } from '../model/client'
import { AppError } from '../problems'
import type { AppEnv } from './context'
import { admitClient } from './rate-limit'

const REALM = 'dis-checkpoint-gateway'
/** RFC 6750 §2.1 `b64token`, bounded so hashing an absurd header costs nothing. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)$/i
const SCHEME_ONLY = /^Bearer\b/i

/**
 * `Authorization: Bearer <api key>` (README "Clients"): which client the key belongs to, or a
 * problem. Named apart from Hono's `bearerAuth`, which compares against fixed tokens.
 *
 * - Missing header, another scheme, or a wrong key: the *same* 401 body, so a caller cannot tell
 *   "missing" from "wrong" (RFC 6750 §3; docs/api.md "Errors"). The challenge is identical too: RFC
 *   6750 §3 only *recommends* `error="invalid_token"`, and leaving it out keeps the two cases
 *   indistinguishable.
 * - A Bearer header whose token is malformed: 400 `invalid_request` (RFC 6750 §3.1) — a 4xx,
 *   never a 5xx, and no hashing of attacker-sized input.
 * - Keys are accepted only in this header, never in the query string (they would end up in logs).
 */
async function authenticate(
  clients: readonly ClientConfig[],
  header: string | undefined
): Promise<ClientConfig> {
  if (header === undefined || !SCHEME_ONLY.test(header)) throw unauthenticated()
  const match = BEARER.exec(header)
  if (!match?.[1]) {
    throw new AppError('invalid_request', {
      detail: 'The Authorization header must be "Bearer <api key>"',
      headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_request"` },
      reason: 'malformed bearer header',
    })
  }
  const client = await findClientByApiKey(clients, match[1])
  if (!client) throw unauthenticated()
  return client
}

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
  const digest = acceptedDigests.get(key) ?? (await sha256(key))
  let found: ClientConfig | undefined
  for (const client of clients) {
    for (const stored of client.apiKeyHashes) {
      if (timingSafeEqualBytes(digest, stored) && !found) found = client
    }
  }
  if (found) rememberAccepted(key, digest)
  return found
}

/**
 * The digests of the last ACCEPTED_DIGESTS keys that matched a client, by key: a caller sends the
 * same key on every request, and hashing it again is a tenth of the gateway's own CPU per request
 * (bench/RESULTS.md). Only keys that matched are kept, so a flood of wrong keys neither fills the
 * map nor evicts anything; a wrong key is hashed every time. The map holds only what the isolate
 * already held while serving those requests (the keys of its own callers), is never logged or
 * serialised, and dies with the isolate. A hit still runs the constant-time comparison against
 * every stored digest, so a configuration change (a key removed) takes effect at once.
 */
const ACCEPTED_DIGESTS = 64
const acceptedDigests = new Map<string, Uint8Array>()

function rememberAccepted(key: string, digest: Uint8Array): void {
  // Least recently used first: a Map iterates in insertion order, so re-inserting moves to the end.
  acceptedDigests.delete(key)
  acceptedDigests.set(key, digest)
  if (acceptedDigests.size > ACCEPTED_DIGESTS) {
    const oldest = acceptedDigests.keys().next()
    if (!oldest.done) acceptedDigests.delete(oldest.value)
  }
}

/**
 * `DELETE` and `GET` take their parameters from the query only. A body is refused rather than
 * ignored: a caller who put `partition_id` in a body would otherwise get a different request
 * than the one they wrote (docs/api.md "Parameters").
 */
function refuseBody(c: Context<AppEnv>): void {
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
}

/**
 * What every Bearer route runs before its own validation, in this order: the API key (401),
 * the client's rate limit (429, before anything upstream), and no body (400: the parameters
 * are in the query). One middleware, not three: each Hono layer costs a dispatch step and a
 * closure per request (bench/RESULTS.md, worker CPU per request).
 */
export const bearerRoute = (options: { body?: boolean } = {}) =>
  [
    createMiddleware<AppEnv>(async function bearerRoute(c, next) {
      const client = await authenticate(
        c.get('isolate').config.clients,
        c.req.header('Authorization')
      )
      c.set('client', client)
      c.get('log').client_id = client.id
      await admitClient(c)
      // `POST /v1/resets` is the one Bearer route whose request is a JSON body.
      if (!options.body) refuseBody(c)
      await next()
    }),
  ] as const
