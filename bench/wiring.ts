/**
 * The gateway's Durable Object and rate-limit bindings, read from wrangler.jsonc by wrangler
 * itself (so the bench follows the deployed configuration), with one change: the per-client
 * rate limit is raised out of the load's reach (config.ts BENCH_RATE_LIMIT).
 */
import { join } from 'node:path'
import { BENCH_RATE_LIMIT, ROOT } from './config.ts'

export interface DurableObjectWiring {
  className: string
  useSQLite?: boolean
  /** The worker that hosts the class; absent = the worker itself. */
  scriptName?: string
}

export interface RateLimitWiring {
  namespace_id: string
  simple: { limit: number; period?: 10 | 60 }
}

export interface GatewayWiring {
  durableObjects: Record<string, DurableObjectWiring>
  ratelimits: Record<string, RateLimitWiring>
}

export async function readGatewayWiring(): Promise<GatewayWiring> {
  // Quiet: wrangler would warn that the secrets listed in wrangler.jsonc are not set here; the
  // bench passes its own values as bindings.
  process.env.WRANGLER_LOG ??= 'error'
  process.env.WRANGLER_SEND_METRICS = 'false'
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, 'wrangler.jsonc'))
  const durableObjects: Record<string, DurableObjectWiring> = {}
  for (const [binding, value] of Object.entries(workerOptions.durableObjects ?? {})) {
    const designator = typeof value === 'string' ? { className: value } : value
    durableObjects[binding] = {
      className: designator.className,
      ...(designator.useSQLite ? { useSQLite: true } : {}),
    }
  }
  const ratelimits: Record<string, RateLimitWiring> = {}
  for (const [binding, value] of Object.entries(workerOptions.ratelimits ?? {})) {
    ratelimits[binding] = { namespace_id: value.namespace_id, simple: { ...BENCH_RATE_LIMIT } }
  }
  return { durableObjects, ratelimits }
}

/** The same bindings for a worker whose Durable Objects live in `host` (another worker). */
export function hostedElsewhere(wiring: GatewayWiring, host: string): GatewayWiring {
  const durableObjects: Record<string, DurableObjectWiring> = {}
  for (const [binding, value] of Object.entries(wiring.durableObjects)) {
    durableObjects[binding] = { ...value, scriptName: host }
  }
  return { durableObjects, ratelimits: wiring.ratelimits }
}
