import { Hono } from 'hono/tiny'
import type { AppEnv } from '../http/context'
import { chargeFanOut, clientRateLimit } from '../http/rate-limit'
import { backgroundFor, ledgerFor, requireLedger, upstreamFor } from '../http/services'
import { replayProtection, webhookAuth, webhookTarget } from '../http/webhook'
import { performMove } from '../reset/move'
import { performReset } from '../reset/perform-reset'
import type { UpstreamDeps } from '../upstream/context'

/** As for POST /v1/resets: a move without the ledger's snapshot could not be undone. */
const MOVES_NEED_LEDGER =
  'The reset ledger is off on this gateway (RESET_LEDGER=off): a delivery carrying to (a move) needs its snapshot to be undoable, so only deletes are offered'

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
      const common = {
        client,
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
        origin: { via: 'webhook', deliveryId } as const,
        ledger: ledgerFor(c, deps),
        background: backgroundFor(c),
        admit: chargeFanOut(c),
      }
      const request = {
        stream_name: target.stream_name,
        app_name: target.app_name,
        partition_id: target.partition_id,
        dry_run: target.dry_run,
      }
      const to = target.move?.to
      // A delivery with `to` moves (docs/api.md "Webhooks"); without it, or with `delete`, it is
      // the DELETE. Either way the replay guard stores the answer as the delivery's receipt.
      const receipt =
        target.move && to && to.type !== 'delete'
          ? (
              await performMove({
                ...common,
                ledger: requireLedger(c, deps, MOVES_NEED_LEDGER),
                request: { ...request, to, out_of_range: target.move.out_of_range },
              })
            ).answer
          : await performReset({ ...common, request })
      return c.body(JSON.stringify(receipt), 200, { 'Content-Type': 'application/json' })
    }
  )
}
