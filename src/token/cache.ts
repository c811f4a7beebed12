import type { TokenSource } from '../log'
import { AppError } from '../problems'
import type { IdentityCheck, IssuedToken, TokenCache, TokenLease } from '../upstream/context'

/**
 * While the gateway's identity is refused (IAM said no, or DIS refused a token that ListStreams
 * also refuses), the deployment tries again at most once per 30 s (docs/shared-state.md).
 * One rule for the isolates and the token broker: both import it from here.
 */
export const BREAKER_COOLDOWN_MS = 30_000
/**
 * Longest a caller waits inside one broker call for an IAM exchange already under way; then it
 * hears "pending" and asks again. Well under the callers' 2 s call timeout, so a slow IAM never
 * looks like an unreachable broker (which would send every isolate to IAM on its own).
 */
export const BROKER_MAX_WAIT_MS = 1_000
/**
 * A token due for refresh is still handed out, while another request fetches its successor, if
 * at least this much of it remains: enough for one request's calls to finish under it.
 */
const USABLE_MARGIN_MS = 30_000
/** Refresh a token when less than this remains (capped at half its lifetime). */
const REFRESH_AHEAD_MS = 5 * 60_000

/** Whether `token` is still good to hand out at `now` without refreshing it first. */
export function isFresh(token: IssuedToken, now: number, refreshAheadMs = REFRESH_AHEAD_MS) {
  const lifetime = token.expiresAt - token.issuedAt
  return token.expiresAt - Math.min(refreshAheadMs, lifetime / 2) > now
}

export interface TokenCacheOptions {
  now: () => number
  sleep: (ms: number) => Promise<void>
  /** Refresh when less than this remains (capped at half the token's lifetime). Default 5 min. */
  refreshAheadMs?: number
  /** A waiter takes over a fetch (or an identity check) that has been in flight this long. */
  staleFetchMs: number
  /** How often waiters look at the shared state. */
  pollMs?: number
}

type CheckState =
  | { token: string; startedAt: number; result?: undefined }
  | { token: string; startedAt: number; result: IdentityCheck }

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
 * The identity check after a rejected token (`confirm`) is coordinated the same way.
 */
export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const { now, sleep, staleFetchMs } = options
  const refreshAheadMs = options.refreshAheadMs ?? REFRESH_AHEAD_MS
  const pollMs = options.pollMs ?? 5

  let current: IssuedToken | undefined
  let fetchStartedAt: number | undefined
  /** The last failed fetch: waiters that were waiting on it share it. */
  let lastFailure: { at: number; error: AppError } | undefined
  /** The identity is refused until `until`: fail fast, call neither IAM nor DIS. */
  let breaker: { until: number; error: AppError } | undefined
  let check: CheckState | undefined

  const fresh = (at: number) => current !== undefined && isFresh(current, at, refreshAheadMs)
  /** Still valid for a request started now, even if due for refresh. */
  const usable = (at: number) => current !== undefined && current.expiresAt - USABLE_MARGIN_MS > at
  const trip = (error: AppError, until: number) => {
    current = undefined
    breaker = { until, error }
  }

  async function lead(
    fetch: () => Promise<IssuedToken & { via?: TokenSource }>
  ): Promise<TokenLease> {
    const startedAt = now()
    fetchStartedAt = startedAt
    try {
      const issued = await fetch()
      current = { token: issued.token, expiresAt: issued.expiresAt, issuedAt: issued.issuedAt }
      lastFailure = undefined
      return { token: issued.token, source: issued.via ?? 'fetch', issuedAt: issued.issuedAt }
    } catch (error) {
      if (error instanceof AppError) {
        lastFailure = { at: now(), error }
        // A refusal the broker reported has already set the breaker to the broker's end.
        if (error.code === 'upstream_auth_failed' && breaker?.error !== error) {
          trip(error, now() + BREAKER_COOLDOWN_MS)
        }
      }
      throw error
    } finally {
      if (fetchStartedAt === startedAt) fetchStartedAt = undefined
    }
  }

  return {
    async get(fetch, deadline) {
      const startedAt = now()
      if (breaker && startedAt < breaker.until) throw breaker.error
      if (current && fresh(startedAt)) return lease(current, 'cache')
      for (;;) {
        const at = now()
        const inFlight = fetchStartedAt !== undefined && at - fetchStartedAt < staleFetchMs
        if (!inFlight) return lead(fetch)
        // Someone else is fetching. A token that is only due for refresh is still good to use.
        if (current && usable(at)) return lease(current, 'cache')
        if (at >= deadline) throw waitedPastDeadline('IAM token')
        await sleep(pollMs)
        if (current && fresh(now())) return lease(current, 'shared')
        // The leader failed after we started waiting: share its answer instead of piling on.
        if (lastFailure && lastFailure.at >= startedAt) throw lastFailure.error
      }
    },
    invalidate(token) {
      if (current?.token === token) current = undefined
    },
    tripBreaker(error, until) {
      trip(error, until ?? now() + BREAKER_COOLDOWN_MS)
    },
    checked(token) {
      const result = check?.token === token ? check.result : undefined
      return result && now() < result.until ? result : undefined
    },
    record(token, result) {
      check = { token, startedAt: now(), result }
    },
    async confirm(token, run, deadline) {
      for (;;) {
        const known = this.checked(token)
        if (known) return known
        const at = now()
        const state = check
        const waiting =
          state?.token === token && !state.result && at - state.startedAt < staleFetchMs
        if (!waiting) {
          const mine: CheckState = { token, startedAt: at }
          check = mine
          try {
            const result = await run()
            if (check === mine) check = { token, startedAt: at, result }
            return result
          } finally {
            if (check === mine) check = undefined
          }
        }
        if (at >= deadline) throw waitedPastDeadline('identity check')
        await sleep(pollMs)
      }
    },
  }
}

function lease(token: IssuedToken, source: TokenSource): TokenLease {
  return { token: token.token, source, issuedAt: token.issuedAt }
}

function waitedPastDeadline(what: string): AppError {
  return new AppError('upstream_timeout', { reason: `waited for ${what} past the deadline` })
}
