import { Hono } from 'hono'
import type { AppEnv } from '../http/context'
import { chargeFanOut, clientRateLimit } from '../http/rate-limit'
import { backgroundFor, ledgerFor, upstreamFor } from '../http/services'
import { replayProtection, webhookAuth, webhookTarget } from '../http/webhook'
import { performReset } from '../reset/perform-reset'
import type { UpstreamDeps } from '../upstream/context'

/**
 * `POST /v1/hooks/{client_id}` for webhook senders: signature (and body limits), the client's
 * rate limit, the body — UTF-8, JSON, schema (skipped for clients with a fixed target) and
 * scope — then the deployment-wide replay guard and the shared reset. Refusals before the
 * guard cost no shared state (docs/shared-state.md).
 */
export function hookRoutes(deps: UpstreamDeps, bodyTimeoutMs?: number) {
  return new Hono<AppEnv>().post(
    '/:client_id',
    webhookAuth(deps, bodyTimeoutMs),
    clientRateLimit(),
    webhookTarget(),
    replayProtection(deps),
    async (c) => {
      const { client, deliveryId } = c.get('delivery')
      const target = c.get('hookTarget')
      const receipt = await performReset({
        client,
        request: {
          stream_name: target.stream_name,
          app_name: target.app_name,
          partition_id: target.partition_id,
          dry_run: target.dry_run,
        },
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
        origin: { via: 'webhook', deliveryId },
        ledger: ledgerFor(c, deps),
        background: backgroundFor(c),
        admit: chargeFanOut(c),
      })
      return c.body(JSON.stringify(receipt), 200, { 'Content-Type': 'application/json' })
    }
  )
}
