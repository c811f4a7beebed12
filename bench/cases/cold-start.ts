/**
 * Cold start: a freshly started worker (new workerd: bundle compiled and evaluated, nothing
 * cached) until its first answer. Raw passthrough, bare Hono and gateway take turns. Three
 * times per start:
 * - ready: Miniflare constructed and workerd listening (the bundle is loaded at start-up);
 * - first /healthz answer: for the gateway this parses the configuration (GATEWAY_CLIENTS,
 *   endpoints), the work of a cold isolate before it can serve anything — the verdict figure;
 * - first reset answer (the next request): for the gateway this includes the IAM token (through
 *   the token broker); the baselines use a fixed token.
 * The pure-proxy configuration on both sides, so the first reset does the same upstream work,
 * and the same workerd configuration: the bare Hono worker gets the gateway's Durable Object
 * namespaces and rate limiter too (bound to empty classes), so Miniflare and workerd set up the
 * same services for both and the difference is the bundle and what it does on its first requests.
 */
import { PLAN } from '../config.ts'
import { once } from '../load.ts'
import { startWorker } from '../runtime.ts'
import { type Spread, spread } from '../stats.ts'
import { bearerReset, HEALTHZ, type Targets } from '../targets.ts'
import type { Upstream } from '../upstream.ts'

export const COLD_VARIANTS = ['raw', 'hono', 'gateway'] as const
type ColdVariant = (typeof COLD_VARIANTS)[number]

export interface ColdSample {
  variant: ColdVariant
  readyMs: number
  firstAnswerMs: number
  firstResetMs: number
}

export interface ColdStartResult {
  samples: ColdSample[]
  summary: Record<ColdVariant, { readyMs: Spread; firstAnswerMs: Spread; firstResetMs: Spread }>
}

export async function measureColdStart(
  targets: Targets,
  upstream: Upstream,
  progress: (line: string) => void
): Promise<ColdStartResult> {
  upstream.setLatency(0)
  const specs = {
    raw: targets.raw(),
    hono: targets.hono(false, true),
    gateway: targets.gateway({ ledger: 'off' }),
  }
  const samples: ColdSample[] = []
  for (let i = 1; i <= PLAN.coldStarts; i++) {
    for (const variant of COLD_VARIANTS) {
      const started = performance.now()
      const instance = await startWorker(specs[variant])
      try {
        const health = await once(instance.origin, HEALTHZ)
        const firstAnswerMs = performance.now() - started
        const reset = await once(instance.origin, bearerReset())
        if (health.status !== 200 || reset.status !== 200) {
          throw new Error(`${variant} cold start answered ${health.status}/${reset.status}`)
        }
        samples.push({ variant, readyMs: instance.readyMs, firstAnswerMs, firstResetMs: reset.ms })
      } finally {
        await instance.dispose()
      }
    }
    progress(`  cold start round ${i}/${PLAN.coldStarts}`)
  }
  const of = (variant: ColdVariant, pick: (s: ColdSample) => number) =>
    spread(samples.filter((s) => s.variant === variant).map(pick))
  const summary = Object.fromEntries(
    COLD_VARIANTS.map((v) => [
      v,
      {
        readyMs: of(v, (s) => s.readyMs),
        firstAnswerMs: of(v, (s) => s.firstAnswerMs),
        firstResetMs: of(v, (s) => s.firstResetMs),
      },
    ])
  ) as ColdStartResult['summary']
  return { samples, summary }
}

/** Round-by-round ratio of the gateway's first answer to the bare Hono worker's. */
export function coldRatio(result: ColdStartResult, pick: (s: ColdSample) => number): Spread {
  const gateway = result.samples.filter((s) => s.variant === 'gateway').map(pick)
  const hono = result.samples.filter((s) => s.variant === 'hono').map(pick)
  return spread(gateway.map((g, i) => g / (hono[i] ?? Number.NaN)))
}
