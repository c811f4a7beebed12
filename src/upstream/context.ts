import type { GatewayConfig } from '../config/parse'
import type { TokenSource } from '../log'
import type { AppError } from '../problems'
import type { FetchLike, RetryPolicy } from './attempt'

/** Everything upstream calls depend on, injectable for tests (clock, randomness, fetch). */
export interface UpstreamDeps {
  fetch: FetchLike
  now: () => number
  sleep: (ms: number) => Promise<void>
  random: () => number
  policy: RetryPolicy
}

/** What one request did upstream, for its log line. */
export interface UpstreamStats {
  /** DIS attempts (HTTP requests sent to DIS). */
  attempts: number
  /** IAM token requests sent by this request. */
  iamCalls: number
  token: TokenSource | 'none'
}

/** What the single retry layer needs: the clock and policy, a deadline, a subrequest budget. */
export interface RetryContext {
  deps: UpstreamDeps
  /** Absolute time (deps.now) after which nothing new is started. */
  deadline: number
  /** Outbound requests made so far by this invocation, against the configured platform limit. */
  subrequests: { used: number; limit: number }
}

/** The IAM user whose password is exchanged for a project-scoped token. */
export type IamIdentity = Pick<
  GatewayConfig,
  'iamEndpoint' | 'iamDomainName' | 'iamUserName' | 'iamPassword' | 'projectId'
>

/** What fetching an IAM token needs (also inside the token broker object). */
export interface IamContext extends RetryContext {
  config: IamIdentity
  stats: Pick<UpstreamStats, 'iamCalls'>
}

/** Where a request gets a token when its isolate has none: the broker, or IAM itself. */
export interface TokenSupply {
  /** A token for this request's isolate cache to keep. */
  issue(): Promise<IssuedToken & { via: TokenSource }>
  /**
   * DIS rejected `token` (revoked or expired early): whoever shares it must not hand it out
   * again — unless ListStreams accepted it within the cool-down (then that check is returned,
   * and only the resource refuses the token).
   */
  dropped(token: string): Promise<IdentityCheck | undefined>
  /**
   * DIS rejected a fresh `token`: is the identity refused (ListStreams refuses it too; the
   * shared breaker trips) or only one resource? Once per deployment and cool-down.
   */
  confirm(token: string): Promise<IdentityCheck>
}

/** Request-scoped view of the upstream: shares the isolate's token cache, owns its deadline. */
export interface UpstreamContext extends IamContext {
  config: GatewayConfig
  tokens: TokenCache
  supply: TokenSupply
  /** When the request arrived (deps.now): a token issued after this is fresh for it. */
  startedAt: number
  stats: UpstreamStats
}

/** The token interface the upstream calls need; token/cache.ts implements it per isolate. */
export interface IssuedToken {
  token: string
  /** Absolute expiry on the local clock (ms since epoch). */
  expiresAt: number
  /** When IAM issued it, on the local clock: tells a fresh token from a long-cached one. */
  issuedAt: number
}

export interface TokenLease {
  token: string
  source: TokenSource
  issuedAt: number
}

/**
 * What ListStreams said about a token DIS rejected for one resource: `accepted` (the token is
 * fine, only that resource refuses it) or `refused` (the identity is refused). Valid until
 * `until` — for a refusal, the end of the deployment's cool-down.
 */
export interface IdentityCheck {
  verdict: 'accepted' | 'refused'
  until: number
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
   * The gateway's own identity is refused: drop the token and fail fast until `until` (the
   * broker's cool-down end when the broker said so; otherwise 30 s from now), so a burst
   * cannot turn into a login storm (IAM locks users after repeated failures; DIS blacklists the
   * egress IP: DIS.4309).
   */
  tripBreaker(error: AppError, until?: number): void
  /** The still-valid identity check of `token`, if this isolate has one. */
  checked(token: string): IdentityCheck | undefined
  /** Keeps an identity check someone else ran (the broker) for `token`. */
  record(token: string, result: IdentityCheck): void
  /**
   * Checks the identity behind `token` once per isolate and cool-down: concurrent callers wait
   * for the leader's answer instead of each running `check`.
   */
  confirm(
    token: string,
    check: () => Promise<IdentityCheck>,
    deadline: number
  ): Promise<IdentityCheck>
}
