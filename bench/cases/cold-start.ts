/**
 * Cold start in raw workerd (bench/workerd.ts): spawn → first successful reset, the gateway
 * (pure proxy, `RESET_LEDGER=off`) against a bare Hono worker that logs in to IAM itself and
 * sends the same DELETE, and the raw passthrough (which logs in too). All three get the same
 * workerd configuration apart from their bundle and bindings: the bare Hono worker is given the
 * gateway's three SQLite-backed Durable Object namespaces (empty classes). Variants take turns.
 *
 * Each round starts every variant twice, fresh each time:
 * - A, the verdict: spawn → listening ("ready": workerd boots, compiles and evaluates the
 *   bundle) → the first reset. The upstream stamps when the IAM call and the DELETE arrive, so
 *   the first reset splits into: before IAM (routing, configuration parse, rate limiter, the
 *   token broker object's creation and first call — or Hono's routing and login body), IAM →
 *   DELETE (the token back through the broker, the DIS request built), DELETE → answer.
 *   workerd's CPU (scheduler ns) is read at ready and after each request.
 * - B, the attribution: spawn → GET /healthz (the configuration parsed, the app's first
 *   dispatch; no upstream) → the first reset (now without the configuration parse).
 * A warm reset follows both, for scale.
 *
 * `raw + OpenAPI document` is the raw passthrough with the gateway's 73 KB OpenAPI document
 * inlined as the bundler inlines it: its listening CPU minus the raw passthrough's is what the
 * document alone costs every cold start.
 */
import { PLAN } from '../config.ts'
import { once, type RequestShape } from '../load.ts'
import { type Instance, startWorker } from '../runtime.ts'
import { type Spread, spread } from '../stats.ts'
import { bearerReset, HEALTHZ, type Targets } from '../targets.ts'
import type { Upstream } from '../upstream.ts'

export const COLD_VARIANTS = ['raw', 'raw + OpenAPI document', 'hono', 'gateway'] as const
type ColdVariant = (typeof COLD_VARIANTS)[number]

export interface ColdSample {
  variant: ColdVariant
  /** Spawn → every socket listening (bundle compiled and evaluated). */
  readyMs: number
  readyCpuUs: number
  /** Spawn → the first reset answered 200: the verdict figure. */
  firstResetMs: number
  /**
   * workerd's CPU from spawn to the first reset answered: the same comparison without the wall
   * clock's queueing behind other processes (robust on a busy machine).
   */
  firstResetCpuUs: number
  /** The first reset alone (sent → answered) and its CPU. */
  resetMs: number
  resetCpuUs: number
  /** Within the first reset: sent → IAM call arrives; IAM answered → DELETE arrives; DELETE answered → response read. */
  beforeIamMs: number
  iamToDeleteMs: number
  afterDeleteMs: number
  /** Start B: first /healthz (sent → answered) and its CPU. */
  healthMs: number
  healthCpuUs: number
  /** Start B: the first reset after /healthz, its CPU, and sent → IAM arrives. */
  resetAfterHealthMs: number
  resetAfterHealthCpuUs: number
  beforeIamAfterHealthMs: number
  /** A warm reset on start A. */
  warmResetMs: number
  warmResetCpuUs: number
}

export type ColdSummary = Record<Exclude<keyof ColdSample, 'variant'>, Spread>

export interface ColdStartResult {
  starts: number
  samples: ColdSample[]
  summary: Record<ColdVariant, ColdSummary>
}

const clock = () => performance.timeOrigin + performance.now()

/** One request with the worker's CPU around it; throws unless 200. */
async function timed(instance: Instance, shape: RequestShape, what: string) {
  const cpuBefore = instance.cpuMicros()
  const sent = clock()
  const answer = await once(instance.origin, shape)
  if (answer.status !== 200) {
    throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`)
  }
  // Let the worker finish what follows its answer (the log line), so it is counted here.
  await new Promise((resolve) => setTimeout(resolve, 20))
  return {
    sent,
    ms: clock() - sent - 20,
    doneAt: clock() - 20,
    cpuUs: instance.cpuMicros() - cpuBefore,
  }
}

export async function measureColdStart(
  targets: Targets,
  upstream: Upstream,
  progress: (line: string) => void
): Promise<ColdStartResult> {
  upstream.setLatency(0)
  const specs = {
    raw: targets.raw(),
    'raw + OpenAPI document': targets.openapiProbe(),
    hono: targets.hono(false, true),
    gateway: targets.gateway({ ledger: 'off' }),
  }
  const samples: ColdSample[] = []
  for (let i = 1; i <= PLAN.coldStarts; i++) {
    const shift = (i - 1) % COLD_VARIANTS.length
    const order = [...COLD_VARIANTS.slice(shift), ...COLD_VARIANTS.slice(0, shift)]
    for (const variant of order) {
      const what = `${variant} cold start`
      // A: spawn → first reset.
      upstream.reset()
      const spawned = performance.now()
      const a = await startWorker(specs[variant])
      let sample: ColdSample
      try {
        const readyCpuUs = a.cpuMicros()
        const reset = await timed(a, bearerReset(), what)
        const firstResetMs = reset.doneAt - (performance.timeOrigin + spawned)
        const t = upstream.times()
        const warm = await timed(a, bearerReset(), what)
        sample = {
          variant,
          readyMs: a.readyMs,
          readyCpuUs,
          firstResetMs,
          firstResetCpuUs: readyCpuUs + reset.cpuUs,
          resetMs: reset.ms,
          resetCpuUs: reset.cpuUs,
          beforeIamMs: t.iamArrived - reset.sent,
          iamToDeleteMs: t.deleteArrived - t.iamAnswered,
          afterDeleteMs: reset.doneAt - t.deleteAnswered,
          healthMs: Number.NaN,
          healthCpuUs: Number.NaN,
          resetAfterHealthMs: Number.NaN,
          resetAfterHealthCpuUs: Number.NaN,
          beforeIamAfterHealthMs: Number.NaN,
          warmResetMs: warm.ms,
          warmResetCpuUs: warm.cpuUs,
        }
      } finally {
        await a.dispose()
      }
      // B: spawn → /healthz → first reset.
      const b = await startWorker(specs[variant])
      try {
        const health = await timed(b, HEALTHZ, what)
        upstream.reset()
        const reset = await timed(b, bearerReset(), what)
        sample.healthMs = health.ms
        sample.healthCpuUs = health.cpuUs
        sample.resetAfterHealthMs = reset.ms
        sample.resetAfterHealthCpuUs = reset.cpuUs
        sample.beforeIamAfterHealthMs = upstream.times().iamArrived - reset.sent
      } finally {
        await b.dispose()
      }
      samples.push(sample)
    }
    progress(`  cold start round ${i}/${PLAN.coldStarts}`)
  }
  const summary = Object.fromEntries(
    COLD_VARIANTS.map((v) => {
      const mine = samples.filter((s) => s.variant === v)
      const keys = Object.keys(mine[0] ?? {}).filter(
        (k) => k !== 'variant'
      ) as (keyof ColdSummary)[]
      return [v, Object.fromEntries(keys.map((k) => [k, spread(mine.map((s) => s[k]))]))]
    })
  ) as ColdStartResult['summary']
  return { starts: PLAN.coldStarts, samples, summary }
}

/** Round-by-round ratio of the gateway's figure to the bare Hono worker's. */
export function coldRatio(result: ColdStartResult, pick: (s: ColdSample) => number): Spread {
  const gateway = result.samples.filter((s) => s.variant === 'gateway').map(pick)
  const hono = result.samples.filter((s) => s.variant === 'hono').map(pick)
  return spread(gateway.map((g, i) => g / (hono[i] ?? Number.NaN)))
}

/** Round-by-round difference gateway − bare Hono. */
export function coldExcess(result: ColdStartResult, pick: (s: ColdSample) => number): Spread {
  const gateway = result.samples.filter((s) => s.variant === 'gateway').map(pick)
  const hono = result.samples.filter((s) => s.variant === 'hono').map(pick)
  return spread(gateway.map((g, i) => g - (hono[i] ?? Number.NaN)))
}
