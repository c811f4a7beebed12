import type { AllowRule } from '../auth/allow'

export interface CheckpointTarget {
  stream_name: string
  app_name: string
  /** Canonical `shardId-NNNNNNNNNN`, or `all`. */
  partition_id: string
}

export interface ClientConfig {
  id: string
  /** SHA-256 digests (32 bytes each) of the accepted API keys; the keys are never stored. */
  apiKeyHashes: Uint8Array[]
  /** HMAC keys decoded from `webhook_secrets` (the secrets themselves are not kept). */
  webhookKeys: Uint8Array[]
  signature: 'standard-webhooks' | 'github'
  target: CheckpointTarget | undefined
  allow: AllowRule[]
  /** The same rules as written (`stream/app`), for filtering the ledger inside its object. */
  allowPatterns: string[]
}

/** The parsed, validated configuration. Built once per isolate and never mutated. */
export interface GatewayConfig {
  region: string
  projectId: string
  iamDomainName: string
  iamUserName: string
  iamPassword: string
  /** Origins without a trailing slash. */
  disEndpoint: string
  iamEndpoint: string
  /** `{disEndpoint}/v2/{projectId}/checkpoints`, built once: every checkpoint call starts here. */
  checkpointsUrl: string
  /**
   * Subrequests one invocation may make: the Workers platform limit of the account's plan
   * (Free 50, Paid 10 000). Bounds `partition_id=all` and retries so we answer a clear problem
   * instead of hitting the platform's "Too many subrequests".
   */
  subrequestLimit: number
  /** How long an accepted webhook delivery is remembered (REPLAY_RETENTION_HOURS). */
  replayRetentionMs: number
  /** RESET_LEDGER: snapshots, ledger and undo (true), or a pure DELETE proxy (false). */
  ledger: boolean
  /** How long ledger entries are kept (LEDGER_RETENTION_DAYS). */
  ledgerRetentionMs: number
  clients: ClientConfig[]
  clientsById: Map<string, ClientConfig>
}
