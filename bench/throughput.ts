/**
 * Side-by-side load: the targets take turns (raw → hono → gateway → muted, repeated), so slow
 * drift of the machine (thermal, other tenants) spreads over all of them instead of landing on
 * one. Each turn starts with a short warm-up at the same concurrency, not measured.
 */
import { PLAN, REQUEST_HEADERS, resetPath } from './config.ts'
import { type LoadResult, load } from './load.ts'
import type { RunningWorker } from './runtime.ts'
import type { Upstream } from './upstream.ts'

/** `muted` is the diagnostic gateway copy without log transport (see build.ts), never a verdict. */
export type TargetName = 'raw' | 'hono' | 'gateway' | 'muted'
export const TARGETS: readonly TargetName[] = ['raw', 'hono', 'gateway', 'muted']

export interface Run extends LoadResult {
  round: number
  target: TargetName
  /** IAM calls the upstream saw during the measured part (the token is warm: expect 0). */
  iamCalls: number
  /** DIS DELETEs the upstream saw per completed response (expect 1). */
  disPerResponse: number
}

export interface Summary {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** A target that does not answer 200 would be measured failing fast: refuse to load it. */
async function preflight(name: TargetName, worker: RunningWorker): Promise<void> {
  const response = await fetch(`${worker.origin}${resetPath('7')}`, {
    method: 'DELETE',
    headers: REQUEST_HEADERS,
  })
  const body = await response.text()
  if (response.status !== 200) {
    throw new Error(`${name} answered ${response.status} before the load: ${body.slice(0, 500)}`)
  }
}

export async function alternate(
  workers: Record<TargetName, RunningWorker>,
  upstream: Upstream,
  progress: (line: string) => void
): Promise<Run[]> {
  for (const target of TARGETS) await preflight(target, workers[target])
  const runs: Run[] = []
  for (let round = 1; round <= PLAN.rounds; round++) {
    for (const target of TARGETS) {
      const url = `${workers[target].origin}${resetPath('7')}`
      await load(url, { connections: PLAN.connections, durationS: PLAN.warmupS })
      upstream.reset()
      const result = await load(url, { connections: PLAN.connections, durationS: PLAN.durationS })
      const counts = upstream.counts()
      const run: Run = {
        ...result,
        round,
        target,
        iamCalls: counts.iam,
        disPerResponse: counts.disDelete / Math.max(1, result.responses),
      }
      runs.push(run)
      progress(
        `round ${round} ${target.padEnd(7)} ${run.requestsPerSecond.toFixed(0)} req/s  ` +
          `p50 ${run.p50Ms.toFixed(2)} ms  p99 ${run.p99Ms.toFixed(2)} ms` +
          (run.failures ? `  FAILURES ${run.failures}` : '')
      )
    }
  }
  return runs
}

export function summarize(runs: readonly Run[], target: TargetName): Summary {
  const mine = runs.filter((run) => run.target === target)
  return {
    requestsPerSecond: median(mine.map((run) => run.requestsPerSecond)),
    p50Ms: median(mine.map((run) => run.p50Ms)),
    p99Ms: median(mine.map((run) => run.p99Ms)),
  }
}
