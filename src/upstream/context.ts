import type { GatewayConfig } from '../config/types'
import type { FetchLike } from './attempt'
import type { RetryPolicy } from './retry-policy'
import type { TokenCache, TokenSource } from './token-cache'

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

/** Request-scoped view of the upstream: shares the isolate's token cache, owns its deadline. */
export interface UpstreamContext {
  config: GatewayConfig
  tokens: TokenCache
  deps: UpstreamDeps
  /** Absolute time (deps.now) after which nothing new is started. */
  deadline: number
  stats: UpstreamStats
  /** Outbound requests made so far by this invocation, against the configured platform limit. */
  subrequests: { used: number; limit: number }
}
