import type { GatewayConfig } from '../config/types'
import type { FetchLike } from './attempt'
import type { RetryPolicy } from './retry-policy'
import type { IdentityCheck, IssuedToken, TokenCache, TokenSource } from './token-cache'

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
