/**
 * Pure proxy (`RESET_LEDGER=off`: one DELETE per request) against the bare Hono worker making
 * the same DELETE and the raw `fetch` passthrough, saturated (upstream instant, 50 connections):
 * throughput ratio, p50/p99, worker CPU µs per request.
 */
import { PLAN } from '../config.ts'
import type { Instance } from '../runtime.ts'
import { bearerReset } from '../targets.ts'
import { alternate, callsPerResponse, compare, summarize, type Variant } from '../turns.ts'
import type { Upstream } from '../upstream.ts'

export const PROXY_VARIANTS = ['raw', 'hono', 'gateway'] as const

export async function measurePureProxy(
  instances: { raw: Instance; hono: Instance; gateway: Instance },
  upstream: Upstream,
  progress: (line: string) => void
) {
  upstream.setLatency(0)
  const variants: Variant[] = PROXY_VARIANTS.map((name) => ({
    name,
    instance: instances[name],
    origin: instances[name].origin,
    request: bearerReset(),
  }))
  const turns = await alternate(variants, PLAN.proxy, PLAN.rounds, upstream, progress)
  return {
    turns,
    summary: PROXY_VARIANTS.map((name) => summarize(turns, name)),
    throughputVsHono: compare(turns, 'gateway', 'hono', 'requestsPerSecond', 'ratio'),
    throughputVsRaw: compare(turns, 'gateway', 'raw', 'requestsPerSecond', 'ratio'),
    p99VsRaw: compare(turns, 'gateway', 'raw', 'p99Ms', 'ratio'),
    cpuVsHono: compare(turns, 'gateway', 'hono', 'cpuUsPerRequest', 'difference'),
    calls: Object.fromEntries(PROXY_VARIANTS.map((name) => [name, callsPerResponse(turns, name)])),
  }
}

/**
 * Diagnostic, not a verdict: the same gateway with Miniflare's own Rate Limiting simulation (a
 * SQLite Durable Object write per call) instead of the bench entry's in-memory counter, one
 * connection, a short turn each, to show what the simulator alone would add.
 */
export async function measureSimulatedLimiter(
  gateway: Instance,
  simulated: Instance,
  upstream: Upstream,
  progress: (line: string) => void
) {
  upstream.setLatency(0)
  progress("diagnostic: gateway with Miniflare's simulated rate limiter, one connection")
  const turn = { connections: 1, warmupS: PLAN.proxy.warmupS, durationS: PLAN.diagnosticS }
  const variants: Variant[] = [
    { name: 'gateway', instance: gateway, origin: gateway.origin, request: bearerReset() },
    {
      name: 'simulated limiter',
      instance: simulated,
      origin: simulated.origin,
      request: bearerReset(),
    },
  ]
  const turns = await alternate(variants, turn, 1, upstream, progress)
  return {
    gateway: summarize(turns, 'gateway'),
    simulated: summarize(turns, 'simulated limiter'),
  }
}

export type SimulatedLimiterResult = Awaited<ReturnType<typeof measureSimulatedLimiter>>

export type PureProxyResult = Awaited<ReturnType<typeof measurePureProxy>>
