import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import type { UpstreamDeps } from '../upstream/context'
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
 * 3. the raw body, bounded in size (413) and time (408): it must arrive within the body limit
 *    AND early enough that the work after it can still start before the request's deadline
 *    (README "How it behaves"). A body that finishes later is a 408 — nothing was
 *    sent, the sender's retry is processed normally — rather than a 504 `upstream_timeout`
 *    for upstream calls that never had time to be made. The deadline is not moved to when the
 *    body completed: senders give up after ~10 s in all (GitHub), and a reset they no longer
 *    wait for would be answered to nobody;
 * 4. the signature over those raw bytes, before any parsing (re-serialised JSON would not
 *    verify) → 401, identical for unknown clients and costing the same work.
 * Sets `client` and `delivery` (with the raw body) for the stages after it.
 */
export const webhookAuth = (deps: UpstreamDeps, bodyTimeoutMs = WEBHOOK_BODY_TIMEOUT_MS) =>
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
    // The retry layer starts no attempt with less than `minAttemptMs` left; a body finishing
    // later leaves nothing useful to do, so reading stops there.
    const { deadlineMs, minAttemptMs } = deps.policy
    const usableUntil = c.get('startedAt') + deadlineMs - minAttemptMs
    const body = await readBody(c.req.raw, {
      maxBytes: MAX_WEBHOOK_BODY,
      timeoutMs: Math.min(bodyTimeoutMs, usableUntil - deps.now()),
      timeoutDetail: `The request body did not arrive completely in time: it must arrive within ${bodyTimeoutMs / 1000} s, and early enough for the reset to fit in the request's ${deadlineMs / 1000} s deadline`,
    })
    const delivery = await verifyDelivery(
      c.get('runtime').config.clientsById,
      c.req.param('client_id') ?? '',
      c.req.raw.headers,
      body,
      deps.now()
    )
    c.set('client', delivery.client)
    c.set('delivery', { ...delivery, body })
    const log = c.get('log')
    log.client_id = delivery.client.id
    log.delivery_id = delivery.deliveryId
    await next()
  })
