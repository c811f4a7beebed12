import { DurableObject } from 'cloudflare:workers'
import { AppError, type UpstreamSummary } from '../errors/app-error'
import type { ProblemCode } from '../errors/codes'
import type { IamIdentity } from '../upstream/context'
import { fetchIamToken } from '../upstream/iam'
import { DEFAULT_RETRY_POLICY } from '../upstream/retry-policy'
import type { IssuedToken } from '../upstream/token-cache'

/** While IAM refuses the gateway's credentials, the deployment tries IAM at most once per 30 s. */
export const BREAKER_COOLDOWN_MS = 30_000
const REFRESH_AHEAD_MS = 5 * 60_000
/** The broker's own IAM exchange: its retries must fit inside the callers' deadlines. */
const BROKER_DEADLINE_MS = 6_000

/** A broker answer crosses the RPC boundary as plain data (an Error would lose its fields). */
export type BrokerAnswer =
  | { ok: true; token: IssuedToken; iamCalls: number }
  | {
      ok: false
      code: ProblemCode
      detail: string
      upstream?: UpstreamSummary
      headers?: Record<string, string>
      iamCalls: number
    }

export interface BrokerRequest {
  /** The caller's clock: the broker measures freshness and cool-downs on it (tests inject it). */
  now: number
  /** A token DIS rejected: never hand it out again. */
  dropped?: string
}

/**
 * Durable Object that holds the IAM token for one identity (README "Shared state"): the whole
 * deployment shares one token and one failure breaker, instead of every isolate logging in on
 * its own — the pattern that locks IAM users (IAM.0061) and gets the egress IP blacklisted.
 *
 * - The token lives **in memory only**, never in storage: a stored token would outlive its use
 *   in backups and point-in-time recovery. An evicted broker simply fetches again (one IAM call).
 * - Single-flight: concurrent callers share one in-flight IAM exchange. A promise kept inside one
 *   object is safe (its I/O belongs to the object); across requests in a Worker it is not.
 * - Breaker: after IAM refuses the credentials, or DIS refuses a token fresh from IAM, callers
 *   get the same refusal for 30 s without any IAM call.
 */
export class TokenBroker extends DurableObject<Env> {
  #token: IssuedToken | undefined
  #inFlight: Promise<BrokerAnswer> | undefined
  #breaker: { at: number; answer: BrokerAnswer } | undefined

  async token(identity: IamIdentity, request: BrokerRequest): Promise<BrokerAnswer> {
    if (request.dropped && this.#token?.token === request.dropped) this.#token = undefined
    const token = this.#token
    if (token && fresh(token, request.now)) return { ok: true, token, iamCalls: 0 }
    const breaker = this.#breaker
    if (breaker && request.now - breaker.at < BREAKER_COOLDOWN_MS) {
      return { ...breaker.answer, iamCalls: 0 }
    }
    this.#inFlight ??= this.#fetch(identity, request.now).finally(() => {
      this.#inFlight = undefined
    })
    return this.#inFlight
  }

  /** DIS rejected `token` (revoked, expired early): the next caller gets a new one. */
  async drop(token: string): Promise<void> {
    if (this.#token?.token === token) this.#token = undefined
  }

  /** DIS refused a token this broker issued while it was fresh: the identity is refused. */
  async refused(token: string, now: number): Promise<void> {
    if (this.#token?.token === token) this.#token = undefined
    this.#breaker = {
      at: now,
      answer: {
        ok: false,
        code: 'upstream_auth_failed',
        detail: 'DIS rejected the gateway token',
        iamCalls: 0,
      },
    }
  }

  async #fetch(identity: IamIdentity, callerNow: number): Promise<BrokerAnswer> {
    // Run on the caller's clock, advancing with real time while the exchange runs.
    const offset = callerNow - Date.now()
    const now = () => Date.now() + offset
    const stats = { iamCalls: 0 }
    try {
      const token = await fetchIamToken({
        config: identity,
        stats,
        deps: {
          fetch: (input, init) => fetch(input, init),
          now,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          random: Math.random,
          policy: DEFAULT_RETRY_POLICY,
        },
        deadline: now() + BROKER_DEADLINE_MS,
        subrequests: { used: 0, limit: Number.POSITIVE_INFINITY },
      })
      this.#token = token
      this.#breaker = undefined
      return { ok: true, token, iamCalls: stats.iamCalls }
    } catch (error) {
      const answer = toAnswer(error, stats.iamCalls)
      if (answer.ok === false && answer.code === 'upstream_auth_failed') {
        this.#breaker = { at: now(), answer }
      }
      return answer
    }
  }
}

function fresh(token: IssuedToken, now: number): boolean {
  const lifetime = token.expiresAt - token.issuedAt
  return token.expiresAt - Math.min(REFRESH_AHEAD_MS, lifetime / 2) > now
}

function toAnswer(error: unknown, iamCalls: number): BrokerAnswer {
  if (!(error instanceof AppError)) {
    return { ok: false, code: 'upstream_error', detail: 'IAM exchange failed', iamCalls }
  }
  const { detail, upstream, headers } = error.options
  return {
    ok: false,
    code: error.code,
    detail: detail ?? error.code,
    ...(upstream ? { upstream } : {}),
    ...(headers ? { headers } : {}),
    iamCalls,
  }
}
