import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { authorize } from '../reset/scope'
import { decodeJsonBody, parseWebhookPayload } from '../webhooks/payload'

/**
 * What a verified webhook delivery asks for, settled before the replay guard (README
 * "Webhooks"): the body must be UTF-8 JSON (400), match the schema unless the client has a
 * fixed `target` (400), and lie inside the client's `allow` (403). Every refusal here is
 * answered without a Durable Object call: a delivery that can do nothing must not cost a
 * reservation and its release (README "Shared state" — one credential could otherwise spend
 * the daily Durable Object quotas on deliveries that never reach DIS). Nothing here depends on
 * the replay guard, so a duplicate of a refused delivery is refused the same way again.
 */
export const webhookTarget = () =>
  createMiddleware<AppEnv>(async function webhookTarget(c, next) {
    const { client, body } = c.get('delivery')
    const json = decodeJsonBody(body)
    // A fixed target ignores the body's content: any JSON event from the sender is fine.
    const fixed = client.target
    const target = fixed ? { ...fixed, dry_run: false } : parseWebhookPayload(json)
    const log = c.get('log')
    log.stream = target.stream_name
    log.app = target.app_name
    authorize(client, target)
    c.set('hookTarget', target)
    await next()
  })
