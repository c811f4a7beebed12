import type { RequestIdVariables } from 'hono/request-id'
import type { CheckpointTarget, ClientConfig } from './config/types'
import type { RequestLog } from './logging/request-log'
import type { Runtime } from './runtime'
import type { VerifiedDelivery } from './webhooks/verify'

/** Hono environment of the gateway: Worker bindings plus per-request variables. */
export type AppEnv = {
  Bindings: Env
  Variables: RequestIdVariables & {
    /** The request's log record, filled in by each stage and written once at the end. */
    log: RequestLog
    /** When the request arrived: the overall deadline counts from here. */
    startedAt: number
    /** The isolate's parsed configuration and caches (absent only when misconfigured). */
    runtime: Runtime
    /** The authenticated caller. */
    client: ClientConfig
    /** Webhook route: the verified delivery and its raw body. */
    delivery: VerifiedDelivery & { body: Uint8Array }
    /** Webhook route: the reset the delivery asks for, validated and in scope. */
    hookTarget: CheckpointTarget & { dry_run: boolean }
  }
}
