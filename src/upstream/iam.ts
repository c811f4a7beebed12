import { AppError } from '../problems'
import { attempt } from './attempt'
import { classifyIam } from './classify'
import type { IamContext, IssuedToken } from './context'
import { retrying } from './retry'

/** IAM's token API is effectively idempotent (a new token does not revoke old ones): 2 tries. */
const IAM_MAX_ATTEMPTS = 2

/**
 * Exchanges the gateway's IAM user password for a project-scoped token (docs/upstream.md "IAM
 * token", T1). `nocatalog=true` keeps the answer small; the token is the `X-Subject-Token` header
 * and is valid until `token.expires_at` — we never assume 24 h.
 */
export async function fetchIamToken(ctx: IamContext): Promise<IssuedToken> {
  const { config, deps } = ctx
  const url = new URL('/v3/auth/tokens', config.iamEndpoint)
  url.searchParams.set('nocatalog', 'true')
  const body = JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: config.iamUserName,
            password: config.iamPassword,
            domain: { name: config.iamDomainName },
          },
        },
      },
      scope: { project: { id: config.projectId } },
    },
  })
  let issued: IssuedToken | undefined
  await retrying(ctx, {
    maxAttempts: IAM_MAX_ATTEMPTS,
    once: async (timeoutMs) => {
      ctx.stats.iamCalls++
      const outcome = await attempt(
        deps.fetch,
        { url: url.href, method: 'POST', headers: IAM_HEADERS, body },
        timeoutMs
      )
      const verdict = classifyIam(outcome, deps.now())
      if (verdict.kind !== 'ok' || outcome.kind !== 'response') return verdict
      issued = readIssuedToken(outcome.headers.get('x-subject-token'), outcome.body, deps.now())
      // A 201 without a usable token is an upstream fault: nothing is cached, the caller gets 502.
      return issued ? verdict : { kind: 'fail', error: noUsableToken() }
    },
  })
  if (!issued) throw noUsableToken()
  return issued
}

const IAM_HEADERS = { 'Content-Type': 'application/json;charset=utf8' }

function noUsableToken(): AppError {
  return new AppError('upstream_error', {
    upstream: { status: 201, error_code: null },
    detail: 'IAM issued no usable token',
    reason: 'IAM 201 without a valid X-Subject-Token or expires_at',
  })
}

/** Token header plus lifetime from the body; undefined unless both are usable. */
export function readIssuedToken(
  header: string | null,
  body: string,
  now: number
): IssuedToken | undefined {
  // Tokens are opaque base64 text (`MII…`, docs/upstream.md "IAM token"); refuse anything that
  // could not be sent back as a header value.
  if (!header || !/^[A-Za-z0-9+/=_-]{16,65536}$/.test(header)) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  const token = (parsed as { token?: { expires_at?: unknown; issued_at?: unknown } } | null)?.token
  const expiresAt =
    typeof token?.expires_at === 'string' ? Date.parse(token.expires_at) : Number.NaN
  if (Number.isNaN(expiresAt)) return undefined
  const issuedAt = typeof token?.issued_at === 'string' ? Date.parse(token.issued_at) : Number.NaN
  // Trust IAM's lifetime rather than its absolute clock, so clock skew between IAM and the
  // edge cannot make a fresh token look expired: expiry = now + (expires_at − issued_at).
  // Without issued_at, fall back to the absolute expiry.
  const localExpiry = Number.isNaN(issuedAt) ? expiresAt : now + (expiresAt - issuedAt)
  if (!(localExpiry > now)) return undefined
  return { token: header, expiresAt: localExpiry, issuedAt: now }
}
