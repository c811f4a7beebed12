/**
 * The webhook route (signature over the raw body, JSON body, the deployment-wide replay guard:
 * a reserve and a complete call to its Durable Object per delivery) against the bearer route
 * doing the same reset on the same gateway, with the upstream delayed like a remote region:
 * the latency the webhook route adds (p50/p99 differences, round by round).
 */
import { PLAN, type Turn } from '../config.ts'
import type { Instance } from '../runtime.ts'
import type { Spread } from '../stats.ts'
import { bearerReset, webhookReset } from '../targets.ts'
import {
  alternate,
  compare,
  summarize,
  type TurnResult,
  type Variant,
  type VariantSummary,
} from '../turns.ts'
import type { Upstream } from '../upstream.ts'
import { deliveryPool } from '../webhook-pool.ts'

export interface WebhookResult {
  upstreamMs: number
  connections: number
  turns: TurnResult[]
  bearer: VariantSummary
  webhook: VariantSummary
  addedP50Ms: Spread
  addedP99Ms: Spread
  cpuOverBearerUs: Spread
}

/**
 * Deliveries a turn can use at most: each request waits at least `upstreamMs` upstream, so a
 * connection completes at most one per `upstreamMs`; plus one request each connection prepares
 * ahead, and a margin.
 */
function poolSize(turn: Turn, upstreamMs: number): number {
  const seconds = turn.warmupS + turn.durationS
  const perConnection = Math.ceil((seconds * 1000) / Math.max(1, upstreamMs)) + 2
  return Math.ceil(turn.connections * perConnection * 1.1) + 50
}

export async function measureWebhook(
  gateway: Instance,
  upstream: Upstream,
  progress: (line: string) => void
): Promise<WebhookResult> {
  const upstreamMs = PLAN.upstreamDelayMs
  const turn = PLAN.resetDelayed
  upstream.setLatency(upstreamMs)
  const pool = deliveryPool()
  // One delivery for the preflight.
  await pool.refill(1)
  const variants: Variant[] = [
    { name: 'bearer', instance: gateway, origin: gateway.origin, request: bearerReset() },
    {
      name: 'webhook',
      instance: gateway,
      origin: gateway.origin,
      request: webhookReset(pool),
      beforeTurn: (t) => pool.refill(poolSize(t, upstreamMs)),
    },
  ]
  try {
    const turns = await alternate(variants, turn, PLAN.rounds, upstream, progress)
    return {
      upstreamMs,
      connections: turn.connections,
      turns,
      bearer: summarize(turns, 'bearer'),
      webhook: summarize(turns, 'webhook'),
      addedP50Ms: compare(turns, 'webhook', 'bearer', 'p50Ms', 'difference'),
      addedP99Ms: compare(turns, 'webhook', 'bearer', 'p99Ms', 'difference'),
      cpuOverBearerUs: compare(turns, 'webhook', 'bearer', 'cpuUsPerRequest', 'difference'),
    }
  } finally {
    upstream.setLatency(0)
  }
}
