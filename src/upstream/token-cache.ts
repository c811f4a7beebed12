import { AppError } from '../errors/app-error'

/**
 * Per-isolate IAM token cache.
 *
 * Only resolved values (token string, expiry) are shared across requests. A Promise shared
 * across requests is unsafe in workerd: when the request that started it finishes or is
 * cancelled, the continuations of every other request awaiting it are cancelled too, so those
 * requests hang (RELIABILITY §3, cloudflare-docs#29797). A cold burst is therefore coordinated
 * with plain data: the first request marks a fetch as in flight, the others poll the shared
 * state on their own timers until the token (or the leader's failure) appears. A leader that
 * vanishes (its request was cancelled) is taken over once its fetch is older than the fetch
 * timeout. Result: one IAM call per isolate for a cold burst, without cross-request promises.
 */

export interface IssuedToken {
  token: string
  /** Absolute expiry on the local clock (ms since epoch). */
  expiresAt: number
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
  /** After IAM refused our credentials, fail fast for this long instead of calling IAM again. */
  authFailureCooldownMs?: number
}

export type TokenSource = 'cache' | 'fetch' | 'shared'

export interface TokenLease {
  token: string
  source: TokenSource
}

interface Failure {
  at: number
  error: AppError
}

export interface TokenCache {
  /** A usable token; `fetch` is called only when this request becomes the leader. */
  get(fetch: () => Promise<IssuedToken>, deadline: number): Promise<TokenLease>
  /** Drops the token if it is still the cached one (DIS rejected it). */
  invalidate(token: string): void
}

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { now, sleep, staleFetchMs } = options
  const refreshAheadMs = options.refreshAheadMs ?? 5 * 60_000
  const pollMs = options.pollMs ?? 5
  const cooldownMs = options.authFailureCooldownMs ?? 5_000

  let current: (IssuedToken & { lifetimeMs: number }) | undefined
  let fetchStartedAt: number | undefined
  let lastFailure: Failure | undefined

  const fresh = (at: number) =>
    current !== undefined &&
    current.expiresAt - Math.min(refreshAheadMs, current.lifetimeMs / 2) > at
  /** Still valid for a request started now, even if due for refresh. */
  const usable = (at: number) => current !== undefined && current.expiresAt - 30_000 > at

  async function lead(fetch: () => Promise<IssuedToken>): Promise<TokenLease> {
    const startedAt = now()
    fetchStartedAt = startedAt
    try {
      const issued = await fetch()
      current = { ...issued, lifetimeMs: issued.expiresAt - now() }
      lastFailure = undefined
      return { token: issued.token, source: 'fetch' }
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
      if (current && fresh(startedAt)) return { token: current.token, source: 'cache' }
      const failure = lastFailure
      if (failure?.error.code === 'upstream_auth_failed' && startedAt - failure.at < cooldownMs) {
        throw failure.error
      }
      for (;;) {
        const at = now()
        const inFlight = fetchStartedAt !== undefined && at - fetchStartedAt < staleFetchMs
        if (!inFlight) return lead(fetch)
        // Someone else is fetching. A token that is only due for refresh is still good to use.
        if (current && usable(at)) return { token: current.token, source: 'cache' }
        if (at >= deadline)
          throw new AppError('upstream_timeout', {
            reason: 'waited for IAM token past the deadline',
          })
        await sleep(pollMs)
        if (current && fresh(now())) return { token: current.token, source: 'shared' }
        // The leader failed after we started waiting: share its answer instead of piling on.
        if (lastFailure && lastFailure.at >= startedAt) throw lastFailure.error
      }
    },
    invalidate(token) {
      if (current?.token === token) current = undefined
    },
  }
}
