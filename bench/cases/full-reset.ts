/**
 * Full v2 reset (`RESET_LEDGER=on`: ShowCheckpoint GET, ledger write, DELETE, ledger completion)
 * against the bare Hono worker making the same GET + DELETE (no Durable Object), with the
 * upstream answering at once and with a fixed delay per call: CPU µs per request and the latency
 * the gateway adds (p50/p99 differences, round by round).
 */
import { PLAN, type Turn } from '../config.ts'
import { once } from '../load.ts'
import type { Instance } from '../runtime.ts'
import type { Spread } from '../stats.ts'
import { bearerReset } from '../targets.ts'
import {
  alternate,
  type CallsPerResponse,
  callsPerResponse,
  compare,
  summarize,
  type TurnResult,
  type Variant,
  type VariantSummary,
} from '../turns.ts'
import type { Upstream } from '../upstream.ts'

export interface FullResetAtLatency {
  upstreamMs: number
  connections: number
  turns: TurnResult[]
  hono: VariantSummary
  gateway: VariantSummary
  addedP50Ms: Spread
  addedP99Ms: Spread
  cpuOverHonoUs: Spread
  calls: { hono: CallsPerResponse; gateway: CallsPerResponse }
}

export type FullResetResult =
  | { available: false; reason: string }
  | { available: true; instant: FullResetAtLatency; delayed: FullResetAtLatency }

/**
 * Whether the gateway really snapshots before it deletes: without the GET there is nothing
 * like-for-like to compare, so the case is skipped with the reason rather than measured.
 */
async function snapshotSupport(gateway: Instance, upstream: Upstream): Promise<string | undefined> {
  upstream.setLatency(0)
  upstream.reset()
  const { status, body } = await once(gateway.origin, bearerReset())
  const counts = upstream.counts()
  if (status !== 200)
    return `gateway with RESET_LEDGER=on answered ${status}: ${body.slice(0, 300)}`
  if (counts.snapshot === 0) {
    return 'gateway with RESET_LEDGER=on made no ShowCheckpoint GET (snapshot not implemented yet)'
  }
  return undefined
}

async function atLatency(
  instances: { hono: Instance; gateway: Instance },
  upstream: Upstream,
  upstreamMs: number,
  turn: Turn,
  progress: (line: string) => void
): Promise<FullResetAtLatency> {
  upstream.setLatency(upstreamMs)
  progress(`full v2 reset, upstream ${upstreamMs} ms per call, ${turn.connections} connection(s)`)
  const variants: Variant[] = (['hono', 'gateway'] as const).map((name) => ({
    name,
    instance: instances[name],
    origin: instances[name].origin,
    request: bearerReset(),
  }))
  const turns = await alternate(variants, turn, PLAN.rounds, upstream, progress)
  return {
    upstreamMs,
    connections: turn.connections,
    turns,
    hono: summarize(turns, 'hono'),
    gateway: summarize(turns, 'gateway'),
    addedP50Ms: compare(turns, 'gateway', 'hono', 'p50Ms', 'difference'),
    addedP99Ms: compare(turns, 'gateway', 'hono', 'p99Ms', 'difference'),
    cpuOverHonoUs: compare(turns, 'gateway', 'hono', 'cpuUsPerRequest', 'difference'),
    calls: { hono: callsPerResponse(turns, 'hono'), gateway: callsPerResponse(turns, 'gateway') },
  }
}

export async function measureFullReset(
  instances: { hono: Instance; gateway: Instance },
  upstream: Upstream,
  progress: (line: string) => void
): Promise<FullResetResult> {
  const reason = await snapshotSupport(instances.gateway, upstream)
  if (reason) {
    progress(`full v2 reset SKIPPED: ${reason}`)
    return { available: false, reason }
  }
  const instant = await atLatency(instances, upstream, 0, PLAN.resetInstant, progress)
  const delayed = await atLatency(
    instances,
    upstream,
    PLAN.upstreamDelayMs,
    PLAN.resetDelayed,
    progress
  )
  upstream.setLatency(0)
  return { available: true, instant, delayed }
}
