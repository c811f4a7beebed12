import { AppError } from '../errors/app-error'

/**
 * Per-isolate IAM token cache.
 *
 * Only resolved values (token string, expiry) are shared across requests. A Promise shared
 * across requests is unsafe in workerd: when the request that started it finishes or is
 * cancelled, the continuations of every other request awaiting it are cancelled too, so those
 * requests hang (cloudflare-docs#29797, workerd#210). A cold burst is therefore coordinated
 * with plain data: the first request marks a fetch as in flight, the others poll the shared
 * state on their own timers until the token (or the leader's failure) appears. A leader that
 * vanishes (its request was cancelled) is taken over once its fetch is older than the fetch
 * timeout. Result: one IAM call per isolate for a cold burst, without cross-request promises.
 */

export interface IssuedToken {
  token: string
  /** Absolute expiry on the local clock (ms since epoch). */
  expiresAt: number
  /** When IAM issued it, on the local clock: tells a fresh token from a long-cached one. */
  issuedAt: number
}

export interface TokenCacheOptions {
  now: () => number
  sleep: (ms: number) => Promise<void>
  /** Refresh when less than this remains (capped at half the token's lifetime). Default 5 min. */
  refreshAheadMs?: number
  /** A waiter takes over a fetch that has been in flight this long. */
  staleFetchMs: number
  /** How often waiters look at the shared state. */
  pollMs?: number
  /**
   * After IAM refused our credentials (or DIS refused a fresh token), fail fast for this long
   * instead of calling IAM or DIS again. Default 30 s (README "Shared state": at most one IAM
   * attempt per 30 s while the credentials are refused).
   */
  authFailureCooldownMs?: number
}

/**
 * Where a request's token came from: this isolate's cache, this request's own IAM call, a
 * concurrent request's IAM call in this isolate, or the deployment's token broker.
 */
export type TokenSource = 'cache' | 'fetch' | 'shared' | 'broker'

export interface TokenLease {
  token: string
  source: TokenSource
  issuedAt: number
}

interface Failure {
  at: number
  error: AppError
}

export interface TokenCache {
  /** A usable token; `fetch` is called only when this request becomes the leader. */
  get(
    fetch: () => Promise<IssuedToken & { via?: TokenSource }>,
    deadline: number
  ): Promise<TokenLease>
  /** Drops the token if it is still the cached one (DIS rejected it). */
  invalidate(token: string): void
  /**
   * The gateway's own identity is refused (IAM said no, or DIS rejected a freshly issued token):
   * drop the token and fail fast for the cool-down, so a burst cannot turn into a login storm
   * (IAM locks users after repeated failures; DIS blacklists the egress IP: DIS.4309).
   */
  tripBreaker(error: AppError): void
}

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { now, sleep, staleFetchMs } = options
  const refreshAheadMs = options.refreshAheadMs ?? 5 * 60_000
  const pollMs = options.pollMs ?? 5
  const cooldownMs = options.authFailureCooldownMs ?? 30_000

  let current: (IssuedToken & { lifetimeMs: number }) | undefined
  let fetchStartedAt: number | undefined
  let lastFailure: Failure | undefined

  const fresh = (at: number) =>
    current !== undefined &&
    current.expiresAt - Math.min(refreshAheadMs, current.lifetimeMs / 2) > at
  /** Still valid for a request started now, even if due for refresh. */
  const usable = (at: number) => current !== undefined && current.expiresAt - 30_000 > at

  async function lead(
    fetch: () => Promise<IssuedToken & { via?: TokenSource }>
  ): Promise<TokenLease> {
    const startedAt = now()
    fetchStartedAt = startedAt
    try {
      const issued = await fetch()
      current = {
        token: issued.token,
        expiresAt: issued.expiresAt,
        issuedAt: issued.issuedAt,
        lifetimeMs: issued.expiresAt - issued.issuedAt,
      }
      lastFailure = undefined
      return { token: issued.token, source: issued.via ?? 'fetch', issuedAt: issued.issuedAt }
    } catch (error) {
      if (error instanceof AppError) lastFailure = { at: now(), error }
      throw error
    } finally {
      if (fetchStartedAt === startedAt) fetchStartedAt = undefined
    }
  }

  return {
    async get(fetch, deadline) {
      const startedAt = now()
      const failure = lastFailure
      if (failure?.error.code === 'upstream_auth_failed' && startedAt - failure.at < cooldownMs) {
        throw failure.error
      }
      if (current && fresh(startedAt)) return lease(current, 'cache')
      for (;;) {
        const at = now()
        const inFlight = fetchStartedAt !== undefined && at - fetchStartedAt < staleFetchMs
        if (!inFlight) return lead(fetch)
        // Someone else is fetching. A token that is only due for refresh is still good to use.
        if (current && usable(at)) return lease(current, 'cache')
        if (at >= deadline)
          throw new AppError('upstream_timeout', {
            reason: 'waited for IAM token past the deadline',
          })
        await sleep(pollMs)
        if (current && fresh(now())) return lease(current, 'shared')
        // The leader failed after we started waiting: share its answer instead of piling on.
        if (lastFailure && lastFailure.at >= startedAt) throw lastFailure.error
      }
    },
    invalidate(token) {
      if (current?.token === token) current = undefined
    },
    tripBreaker(error) {
      current = undefined
      lastFailure = { at: now(), error }
    },
  }
}

function lease(token: IssuedToken, source: TokenSource): TokenLease {
  return { token: token.token, source, issuedAt: token.issuedAt }
}
