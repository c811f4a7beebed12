/**
 * Side-by-side load: the variants of a case take turns (A → B → C, then B → C → A, …: the order
 * rotates every round, so no variant always follows the same one), so slow drift of the machine
 * (thermal, other tenants) spreads over all of them instead of landing on one. Each
 * turn starts with a short warm-up at the same concurrency, not measured. Around the measured
 * part the turn reads workerd's CPU time and the upstream's call counters, so every turn says
 * what it cost and what it sent upstream.
 */
import type { Turn } from './config.ts'
import { type LoadResult, load, once, type RequestShape } from './load.ts'
import type { Instance } from './runtime.ts'
import { paired, type Spread, spread } from './stats.ts'
import type { Upstream, UpstreamCounts } from './upstream.ts'

export interface Variant {
  name: string
  instance: Instance
  /** Origin of the worker to load (an instance may serve several). */
  origin: string
  request: RequestShape
  /** Called before each turn (e.g. to sign the turn's webhook deliveries). */
  beforeTurn?: (turn: Turn) => Promise<void>
}

/**
 * After a measured run, how long to let the requests still in flight finish before reading
 * CPU time and upstream counters, so both cover exactly the requests sent.
 */
const SETTLE_MS = 250

export interface TurnResult extends LoadResult {
  round: number
  variant: string
  /** workerd CPU (user + system) over the measured part and its settling, per request sent. */
  cpuUsPerRequest: number
  /** Upstream calls during the measured part. */
  upstream: UpstreamCounts
}

export interface VariantSummary {
  variant: string
  requestsPerSecond: Spread
  p50Ms: Spread
  p99Ms: Spread
  cpuUsPerRequest: Spread
  failures: number
}

/** A variant that does not answer 2xx would be measured failing fast: refuse to load it. */
export async function preflight(variant: Variant): Promise<void> {
  const { status, body } = await once(variant.origin, variant.request)
  if (status < 200 || status > 299) {
    throw new Error(`${variant.name} answered ${status} before the load: ${body.slice(0, 500)}`)
  }
}

export async function alternate(
  variants: readonly Variant[],
  turn: Turn,
  rounds: number,
  upstream: Upstream,
  progress: (line: string) => void
): Promise<TurnResult[]> {
  for (const variant of variants) await preflight(variant)
  const results: TurnResult[] = []
  for (let round = 1; round <= rounds; round++) {
    const shift = (round - 1) % variants.length
    for (const variant of [...variants.slice(shift), ...variants.slice(0, shift)]) {
      await variant.beforeTurn?.(turn)
      const options = { connections: turn.connections }
      await load(variant.origin, variant.request, { ...options, durationS: turn.warmupS })
      upstream.reset()
      const cpuBefore = variant.instance.cpuMicros()
      const result = await load(variant.origin, variant.request, {
        ...options,
        ...(turn.requests ? { amount: turn.requests } : { durationS: turn.durationS }),
      })
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
      const cpu = variant.instance.cpuMicros() - cpuBefore
      const turnResult: TurnResult = {
        ...result,
        round,
        variant: variant.name,
        cpuUsPerRequest: cpu / Math.max(1, result.sent),
        upstream: upstream.counts(),
      }
      results.push(turnResult)
      const bad = Object.entries(result.badStatuses)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ')
      progress(
        `  round ${round} ${variant.name.padEnd(18)} ${result.requestsPerSecond.toFixed(0).padStart(5)} req/s  ` +
          `p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  ` +
          `cpu ${turnResult.cpuUsPerRequest.toFixed(0)} µs/req` +
          (result.failures ? `  FAILURES ${result.failures} ${bad}` : '')
      )
    }
  }
  return results
}

export function summarize(results: readonly TurnResult[], variant: string): VariantSummary {
  const mine = results.filter((r) => r.variant === variant)
  return {
    variant,
    requestsPerSecond: spread(mine.map((r) => r.requestsPerSecond)),
    p50Ms: spread(mine.map((r) => r.p50Ms)),
    p99Ms: spread(mine.map((r) => r.p99Ms)),
    cpuUsPerRequest: spread(mine.map((r) => r.cpuUsPerRequest)),
    failures: mine.reduce((n, r) => n + r.failures, 0),
  }
}

type Metric = 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuUsPerRequest'

/** Round-by-round comparison of `a` against `b` (same round = same machine conditions). */
export function compare(
  results: readonly TurnResult[],
  a: string,
  b: string,
  metric: Metric,
  how: 'ratio' | 'difference'
): Spread {
  const series = (name: string) => results.filter((r) => r.variant === name).map((r) => r[metric])
  return paired(series(a), series(b), how === 'ratio' ? (x, y) => x / y : (x, y) => x - y)
}

/** Upstream calls per request sent over all of a variant's measured turns. */
export function callsPerResponse(results: readonly TurnResult[], variant: string) {
  const mine = results.filter((r) => r.variant === variant)
  const responses = Math.max(
    1,
    mine.reduce((n, r) => n + r.sent, 0)
  )
  const sum = (pick: (c: UpstreamCounts) => number) =>
    mine.reduce((n, r) => n + pick(r.upstream), 0)
  return {
    deletes: sum((c) => c.disDelete) / responses,
    snapshots: sum((c) => c.snapshot) / responses,
    /** Absolute: a warm gateway should make none. */
    iamCalls: sum((c) => c.iam),
    other: sum((c) => c.other),
  }
}

export type CallsPerResponse = ReturnType<typeof callsPerResponse>
