import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import { readBody } from '../webhooks/read-body'
import { verifyDelivery } from '../webhooks/verify'

/** 16 KiB is plenty for a reset request; the Standard Webhooks spec suggests < 20 KB payloads. */
export const MAX_WEBHOOK_BODY = 16 * 1024
/** The whole body must arrive within 10 s (GitHub itself gives up on a delivery after 10 s). */
export const WEBHOOK_BODY_TIMEOUT_MS = 10_000
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i

/**
 * Authenticates `POST /v1/hooks/{client_id}` (README "Webhooks"), beside `apiKeyAuth` for the
 * bearer routes. Order matters:
 * 1. no query string (the request is the body) → 400;
 * 2. JSON media type → 415;
 * 3. the raw body, bounded in size (413) and time (408);
 * 4. the signature over those raw bytes, before any parsing (re-serialised JSON would not
 *    verify) → 401, identical for unknown clients and costing the same work.
 * Sets `client` and `delivery` (with the raw body) for the stages after it.
 */
export const webhookAuth = (now: () => number, bodyTimeoutMs = WEBHOOK_BODY_TIMEOUT_MS) =>
  createMiddleware<AppEnv>(async function webhookAuth(c, next) {
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
    const body = await readBody(c.req.raw, {
      maxBytes: MAX_WEBHOOK_BODY,
      timeoutMs: bodyTimeoutMs,
    })
    const delivery = await verifyDelivery(
      c.get('runtime').config.clientsById,
      c.req.param('client_id') ?? '',
      c.req.raw.headers,
      body,
      now()
    )
    c.set('client', delivery.client)
    c.set('delivery', { ...delivery, body })
    const log = c.get('log')
    log.client_id = delivery.client.id
    log.delivery_id = delivery.deliveryId
    await next()
  })
