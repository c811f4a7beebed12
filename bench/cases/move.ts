/**
 * A time move of one partition ("rewind 1 hour", `POST /v1/resets`, applied) against the bare
 * Hono worker making the same six DIS calls one after the other (DescribeStream, ShowCheckpoint,
 * GetCursor, GetRecords, CommitCheckpoint, ShowCheckpoint), at 20 ms per upstream call: the
 * latency the gateway adds (p50/p99 differences, round by round) and the calls it makes.
 */
import { LOAD_PARTITIONS, PLAN, type Turn } from '../config.ts'
import { once } from '../load.ts'
import type { Instance } from '../runtime.ts'
import type { Spread } from '../stats.ts'
import { bearerMove } from '../targets.ts'
import {
  alternate,
  compare,
  summarize,
  type TurnResult,
  type Variant,
  type VariantSummary,
} from '../turns.ts'
import type { Upstream, UpstreamCounts } from '../upstream.ts'

export interface MoveResult {
  upstreamMs: number
  turn: Turn
  turns: TurnResult[]
  hono: VariantSummary
  gateway: VariantSummary
  addedP50Ms: Spread
  addedP99Ms: Spread
  cpuOverHonoUs: Spread
  /** DIS calls of one move, counted at the upstream for one request of each side. */
  calls: { hono: UpstreamCounts; gateway: UpstreamCounts }
}

/** The DIS calls one request makes, read from the upstream's counters. */
async function callsOf(instance: Instance, upstream: Upstream): Promise<UpstreamCounts> {
  upstream.setLatency(0)
  upstream.reset()
  const { status, body } = await once(instance.origin, bearerMove())
  if (status !== 200) throw new Error(`a move answered ${status}: ${body.slice(0, 300)}`)
  return upstream.counts()
}

export async function measureMove(
  instances: { hono: Instance; gateway: Instance },
  upstream: Upstream,
  progress: (line: string) => void
): Promise<MoveResult> {
  // The moved partition (config.ts PARTITION, 7) must exist: DescribeStream lists 0-7.
  upstream.setPartitions(LOAD_PARTITIONS)
  const calls = {
    hono: await callsOf(instances.hono, upstream),
    gateway: await callsOf(instances.gateway, upstream),
  }
  const upstreamMs = PLAN.upstreamDelayMs
  // One connection: concurrent moves of the one partition would collide on its lease (409
  // partition_busy, by design), which measures refusals, not moves.
  const turn: Turn = { ...PLAN.resetDelayed, connections: 1 }
  upstream.setLatency(upstreamMs)
  progress(`time move, upstream ${upstreamMs} ms per call, ${turn.connections} connection(s)`)
  const variants: Variant[] = (['hono', 'gateway'] as const).map((name) => ({
    name,
    instance: instances[name],
    origin: instances[name].origin,
    request: bearerMove(),
  }))
  const turns = await alternate(variants, turn, PLAN.rounds, upstream, progress)
  upstream.setLatency(0)
  upstream.setPartitions(1)
  return {
    upstreamMs,
    turn,
    turns,
    hono: summarize(turns, 'hono'),
    gateway: summarize(turns, 'gateway'),
    addedP50Ms: compare(turns, 'gateway', 'hono', 'p50Ms', 'difference'),
    addedP99Ms: compare(turns, 'gateway', 'hono', 'p99Ms', 'difference'),
    cpuOverHonoUs: compare(turns, 'gateway', 'hono', 'cpuUsPerRequest', 'difference'),
    calls,
  }
}
