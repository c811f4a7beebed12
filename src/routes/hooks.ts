import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import { performReset } from '../reset'
import type { UpstreamDeps } from '../upstream/context'
import { decodeJsonBody, parseWebhookPayload } from '../webhooks/payload'
import type { ReplayCache } from '../webhooks/replay-cache'
import { verifyDelivery } from '../webhooks/verify'

/** 16 KiB is plenty for a reset request; the Standard Webhooks spec suggests < 20 KB payloads. */
export const MAX_WEBHOOK_BODY = 16 * 1024
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i
const POLL_MS = 5

/**
 * `POST /v1/hooks/{client_id}` for webhook senders. Order matters:
 * 1. size limit, enforced while reading (also without Content-Length) → 413;
 * 2. JSON media type → 415;
 * 3. signature over the raw bytes, before any parsing (parsed-then-reserialised JSON would not
 *    verify) → 401, identical for unknown clients;
 * 4. replay check on the verified delivery id (an unverified id could poison the cache);
 * 5. UTF-8 + JSON + schema (skipped for clients with a fixed target) → 400;
 * 6. the shared reset (scope check, upstream).
 */
export function hookRoutes(deps: UpstreamDeps, replays: ReplayCache) {
  return new Hono<AppEnv>().post(
    '/:client_id',
    bodyLimit({
      maxSize: MAX_WEBHOOK_BODY,
      onError: () => {
        throw new AppError('payload_too_large', {
          detail: `The body must be at most ${MAX_WEBHOOK_BODY} bytes`,
        })
      },
    }),
    async (c) => {
      if (new URL(c.req.url).search !== '') {
        throw new AppError('invalid_request', {
          detail: 'This route takes no query parameters; put the request in the JSON body',
          errors: [{ field: '(query)', message: 'query parameters are not accepted here' }],
        })
      }
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? ''
      if (!JSON_MEDIA_TYPE.test(mediaType)) {
        throw new AppError('unsupported_media_type', {
          detail: 'The webhook body must be application/json',
        })
      }
      const body = new Uint8Array(await c.req.arrayBuffer())
      const { config } = c.get('runtime')
      const delivery = await verifyDelivery(
        config.clientsById,
        c.req.param('client_id'),
        c.req.raw.headers,
        body,
        deps.now()
      )
      const log = c.get('log')
      c.set('client', delivery.client)
      log.client_id = delivery.client.id
      log.delivery_id = delivery.deliveryId

      const key = `${delivery.client.id}\n${delivery.deliveryId}`
      const previous = await awaitSettled(replays, key, deps)
      if (previous) {
        log.replayed = true
        return c.body(previous.body, 200, { 'Content-Type': 'application/json' })
      }
      replays.begin(key, deps.policy.deadlineMs + 1_000)
      try {
        const json = decodeJsonBody(body)
        // A fixed target ignores the body's content: any JSON event from the sender is fine.
        const fixed = delivery.client.target
        const target = fixed ? { ...fixed, dry_run: false } : parseWebhookPayload(json)
        const receipt = await performReset(c, deps, {
          stream_name: target.stream_name,
          app_name: target.app_name,
          partition: target.partition_id,
          dry_run: target.dry_run,
        })
        const text = JSON.stringify(receipt)
        replays.complete(key, { status: 200, body: text }, delivery.replayTtlMs)
        return c.body(text, 200, { 'Content-Type': 'application/json' })
      } catch (error) {
        replays.abandon(key)
        throw error
      }
    }
  )
}

/** A stored result for this delivery; waits (polling plain data) while a twin is in flight. */
async function awaitSettled(replays: ReplayCache, key: string, deps: UpstreamDeps) {
  const giveUpAt = deps.now() + deps.policy.deadlineMs
  for (;;) {
    const found = replays.lookup(key)
    if (found !== 'pending') return found
    if (deps.now() >= giveUpAt) {
      throw new AppError('upstream_timeout', {
        detail: 'The same delivery is still being processed',
      })
    }
    await deps.sleep(POLL_MS)
  }
}
