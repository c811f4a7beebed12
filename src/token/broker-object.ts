import { DurableObject } from 'cloudflare:workers'
import type { ProblemCode } from '../problems'
import { AppError, type UpstreamSummary } from '../problems'
import { DEFAULT_RETRY_POLICY } from '../upstream/attempt'
import type { IamIdentity, IdentityCheck, IssuedToken } from '../upstream/context'
import { checkIdentity } from '../upstream/dis'
import { fetchIamToken } from '../upstream/iam'
import { BREAKER_COOLDOWN_MS, BROKER_MAX_WAIT_MS, isFresh } from './cache'

/** The broker's own IAM exchange: its retries must fit inside the callers' deadlines. */
const BROKER_DEADLINE_MS = 6_000
/** One ListStreams attempt; a check that cannot finish in time counts as a refusal. */
const CHECK_TIMEOUT_MS = 1_500
/** Passwords (rotations under way) and checked tokens remembered at once. */
const MAX_SLOTS = 4
const MAX_CHECKS = 16

/** A broker answer crosses the RPC boundary as plain data (an Error would lose its fields). */
export type BrokerAnswer =
  | { kind: 'token'; token: IssuedToken; iamCalls: number }
  /** IAM is still answering: ask again (do not log in on your own). */
  | { kind: 'pending' }
  | {
      kind: 'failed'
      code: ProblemCode
      detail: string
      upstream?: UpstreamSummary
      headers?: Record<string, string>
      iamCalls: number
      /** The breaker is open until then (caller's clock): the caller fails fast until then too. */
      until?: number
    }

export interface BrokerRequest {
  /** The caller's clock: the broker measures freshness and cool-downs on it (tests inject it). */
  now: number
  /** A token DIS rejected: never hand it out again. */
  dropped?: string
  /** How long to wait for an IAM exchange under way before answering `pending`. */
  waitMs?: number
}

export type BrokerCheck = IdentityCheck & { disCalls: number }

/** Token, in-flight exchange and breaker of one password of the identity. */
interface Slot {
  token?: IssuedToken
  inFlight?: Promise<BrokerAnswer>
  breaker?: { until: number; answer: Extract<BrokerAnswer, { kind: 'failed' }> }
}

/**
 * Durable Object that holds the IAM token for one identity (docs/shared-state.md): the whole
 * deployment shares one token and one failure breaker, instead of every isolate logging in on
 * its own — the pattern that locks IAM users (IAM.0061) and gets the egress IP blacklisted.
 *
 * - The token lives **in memory only**, never in storage: a stored token would outlive its use
 *   in backups and point-in-time recovery. An evicted broker simply fetches again (one IAM call).
 * - The object's name holds no function of the password (see `token-supply.ts`). Each password
 *   it is given gets its own token and breaker here, in memory: during a rotation the old
 *   password's refusals cannot open the new one's breaker, nor the new one reset the old one's.
 * - Single-flight: concurrent callers share one in-flight IAM exchange. A promise kept inside one
 *   object is safe (its I/O belongs to the object); across requests in a Worker it is not.
 *   A caller waits at most `waitMs` for it and otherwise hears `pending`, so a slow IAM makes
 *   callers ask again, never log in themselves.
 * - Breaker: after IAM refuses the credentials, or DIS refuses a fresh token and ListStreams
 *   confirms it, callers get the same refusal for 30 s without any IAM call, and learn when the
 *   30 s end so that every isolate's cool-down ends with this one.
 * - Identity checks (ListStreams with a rejected token) run once per token and cool-down.
 */
export class TokenBroker extends DurableObject<Env> {
  #slots = new Map<string, Slot>()
  #checks = new Map<string, { result?: IdentityCheck; inFlight?: Promise<BrokerCheck> }>()

  async token(identity: IamIdentity, request: BrokerRequest): Promise<BrokerAnswer> {
    const slot = this.#slot(identity.iamPassword)
    if (request.dropped && slot.token?.token === request.dropped) slot.token = undefined
    const token = slot.token
    if (token && isFresh(token, request.now)) return { kind: 'token', token, iamCalls: 0 }
    const breaker = slot.breaker
    if (breaker && request.now < breaker.until) return { ...breaker.answer, iamCalls: 0 }
    slot.inFlight ??= this.#fetch(slot, identity, request.now).finally(() => {
      slot.inFlight = undefined
    })
    return waitAtMost(
      slot.inFlight,
      Math.min(request.waitMs ?? BROKER_MAX_WAIT_MS, BROKER_MAX_WAIT_MS)
    )
  }

  /**
   * DIS rejected `token` (revoked, expired early): the next caller gets a new one — unless
   * ListStreams accepted it within the cool-down. Then only one resource refuses it, the check
   * is returned, and the token stays: dropping it would cost an IAM login per such request.
   */
  async drop(token: string, now: number): Promise<IdentityCheck | null> {
    const known = this.#checks.get(token)?.result
    if (known?.verdict === 'accepted' && now < known.until) return known
    for (const slot of this.#slots.values()) if (slot.token?.token === token) slot.token = undefined
    return null
  }

  /**
   * DIS rejected `token` while it was fresh. ListStreams with it tells whether the identity is
   * refused (open the breaker) or only one resource (carry on). Once per token and cool-down.
   */
  async confirm(
    identity: IamIdentity,
    listStreamsUrl: string,
    token: string,
    now: number
  ): Promise<BrokerCheck> {
    const slot = this.#slot(identity.iamPassword)
    if (slot.breaker && now < slot.breaker.until) {
      return { verdict: 'refused', until: slot.breaker.until, disCalls: 0 }
    }
    const known = this.#checks.get(token)
    if (known?.result && now < known.result.until) return { ...known.result, disCalls: 0 }
    if (known?.inFlight) return known.inFlight
    const entry: { result?: IdentityCheck; inFlight?: Promise<BrokerCheck> } = {}
    entry.inFlight = (async () => {
      const verdict = await checkIdentity(
        (input, init) => fetch(input, init),
        listStreamsUrl,
        token,
        CHECK_TIMEOUT_MS
      )
      const result: IdentityCheck = { verdict, until: now + BREAKER_COOLDOWN_MS }
      if (verdict === 'refused') {
        if (slot.token?.token === token) slot.token = undefined
        slot.breaker = { until: result.until, answer: dis401(result.until) }
      }
      entry.result = result
      return { ...result, disCalls: 1 }
    })().finally(() => {
      entry.inFlight = undefined
    })
    this.#checks.set(token, entry)
    for (const [key] of this.#checks) {
      if (this.#checks.size <= MAX_CHECKS) break
      this.#checks.delete(key)
    }
    return entry.inFlight
  }

  #slot(password: string): Slot {
    let slot = this.#slots.get(password)
    if (!slot) {
      slot = {}
      this.#slots.set(password, slot)
      for (const [key] of this.#slots) {
        if (this.#slots.size <= MAX_SLOTS) break
        this.#slots.delete(key)
      }
    }
    return slot
  }

  async #fetch(slot: Slot, identity: IamIdentity, callerNow: number): Promise<BrokerAnswer> {
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
      slot.token = token
      slot.breaker = undefined
      return { kind: 'token', token, iamCalls: stats.iamCalls }
    } catch (error) {
      const answer = toAnswer(error, stats.iamCalls)
      if (answer.code === 'upstream_auth_failed') {
        const until = now() + BREAKER_COOLDOWN_MS
        slot.breaker = { until, answer: { ...answer, until } }
        return slot.breaker.answer
      }
      return answer
    }
  }
}

/** The in-flight answer if it comes within `ms`, otherwise `pending`. */
async function waitAtMost(answer: Promise<BrokerAnswer>, ms: number): Promise<BrokerAnswer> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const pending = new Promise<BrokerAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'pending' }), Math.max(0, ms))
  })
  try {
    return await Promise.race([answer, pending])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

function dis401(until: number): Extract<BrokerAnswer, { kind: 'failed' }> {
  return {
    kind: 'failed',
    code: 'upstream_auth_failed',
    detail: 'DIS rejected the gateway token',
    iamCalls: 0,
    until,
  }
}

function toAnswer(error: unknown, iamCalls: number): Extract<BrokerAnswer, { kind: 'failed' }> {
  if (!(error instanceof AppError)) {
    return { kind: 'failed', code: 'upstream_error', detail: 'IAM exchange failed', iamCalls }
  }
  const { detail, upstream, headers } = error.options
  return {
    kind: 'failed',
    code: error.code,
    detail: detail ?? error.code,
    ...(upstream ? { upstream } : {}),
    ...(headers ? { headers } : {}),
    iamCalls,
  }
}
