/**
 * Signed webhook deliveries, made before a turn so signing never competes with the measured
 * load for the CPU. Signed by scripts/webhook-signing.ts (the senders' side, written from the
 * spec independently of the gateway's verifier), each with its own `webhook-id`.
 */
import { randomUUID } from 'node:crypto'
import { standardWebhookHeaders } from '../scripts/webhook-signing.ts'
import { WEBHOOK_BODY, WEBHOOK_SECRET } from './config.ts'

export interface DeliveryPool {
  next(): Record<string, string>
  /** Replaces the pool with `count` fresh deliveries signed now. */
  refill(count: number): Promise<void>
}

export function deliveryPool(): DeliveryPool {
  let pool: Record<string, string>[] = []
  let index = 0
  return {
    next() {
      const headers = pool[index++]
      // Running dry would mean replays (a different path) or unsigned requests: stop loudly.
      if (!headers) throw new Error(`webhook delivery pool exhausted after ${pool.length}`)
      return headers
    },
    async refill(count) {
      const timestamp = Math.floor(Date.now() / 1000)
      pool = await Promise.all(
        Array.from({ length: count }, () =>
          standardWebhookHeaders({
            secret: WEBHOOK_SECRET,
            id: `msg_${randomUUID()}`,
            timestamp,
            body: WEBHOOK_BODY,
          })
        )
      )
      index = 0
    },
  }
}
