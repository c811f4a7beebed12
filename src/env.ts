import type { RequestIdVariables } from 'hono/request-id'
import type { ClientConfig } from './config/types'
import type { RequestLog } from './logging/request-log'
import type { Runtime } from './runtime'

/** Hono environment of the gateway: Worker bindings plus per-request variables. */
export type AppEnv = {
  Bindings: Env
  Variables: RequestIdVariables & {
    /** The request's log record, filled in by each stage and written once at the end. */
    log: RequestLog
    /** The isolate's parsed configuration and caches (absent only when misconfigured). */
    runtime: Runtime
    /** The authenticated caller. */
    client: ClientConfig
  }
}
