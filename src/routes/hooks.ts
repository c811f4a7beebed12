import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { clientRateLimit } from '../middleware/client-rate-limit'
import { replayProtection } from '../middleware/replay-protection'
import { webhookAuth } from '../middleware/webhook-auth'
import { performReset } from '../reset/perform-reset'
import type { UpstreamDeps } from '../upstream/context'
import { decodeJsonBody, parseWebhookPayload } from '../webhooks/payload'
import { backgroundFor, ledgerFor, upstreamFor } from './request-scope'

/**
 * `POST /v1/hooks/{client_id}` for webhook senders: signature (and body limits), the client's
 * rate limit, the deployment-wide replay guard, then the body — UTF-8, JSON, schema, skipped
 * for clients with a fixed target — and the shared reset.
 */
export function hookRoutes(deps: UpstreamDeps, bodyTimeoutMs?: number) {
  return new Hono<AppEnv>().post(
    '/:client_id',
    webhookAuth(deps.now, bodyTimeoutMs),
    clientRateLimit(),
    replayProtection(deps),
    async (c) => {
      const { client, body } = c.get('delivery')
      const json = decodeJsonBody(body)
      // A fixed target ignores the body's content: any JSON event from the sender is fine.
      const fixed = client.target
      const target = fixed ? { ...fixed, dry_run: false } : parseWebhookPayload(json)
      const receipt = await performReset({
        client,
        request: {
          stream_name: target.stream_name,
          app_name: target.app_name,
          partition: target.partition_id,
          dry_run: target.dry_run,
        },
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
        origin: { via: 'webhook', deliveryId: c.get('delivery').deliveryId },
        ledger: ledgerFor(c, deps),
        background: backgroundFor(c),
      })
      return c.body(JSON.stringify(receipt), 200, { 'Content-Type': 'application/json' })
    }
  )
}
