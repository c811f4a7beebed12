/**
 * Signed webhook deliveries, made before a turn so signing never competes with the measured
 * load for the CPU. Signed by scripts/webhook-signing.ts (the senders' side, written from the
 * spec independently of the gateway's verifier), each with its own `webhook-id`.
 */
import { randomUUID } from 'node:crypto'
import { standardWebhookHeaders } from '../scripts/webhook-signing.ts'
import { rotatingPartitions, WEBHOOK_SECRET, webhookBody } from './config.ts'

export interface DeliveryPool {
  next(): { headers: Record<string, string>; body: string }
  /** Replaces the pool with `count` fresh deliveries signed now. */
  refill(count: number): Promise<void>
}

export function deliveryPool(): DeliveryPool {
  let pool: { headers: Record<string, string>; body: string }[] = []
  let index = 0
  return {
    next() {
      const delivery = pool[index++]
      // Running dry would mean replays (a different path) or unsigned requests: stop loudly.
      if (!delivery) throw new Error(`webhook delivery pool exhausted after ${pool.length}`)
      return delivery
    },
    async refill(count) {
      const timestamp = Math.floor(Date.now() / 1000)
      const nextPartition = rotatingPartitions()
      pool = await Promise.all(
        Array.from({ length: count }, async () => {
          const body = webhookBody(nextPartition())
          const id = `msg_${randomUUID()}`
          const headers = await standardWebhookHeaders({
            secret: WEBHOOK_SECRET,
            id,
            timestamp,
            body,
          })
          return { headers, body }
        })
      )
      index = 0
    },
  }
}
