import { createMiddleware } from 'hono/factory'
import { stateCallBudget } from '../lib/concurrency'
import { AppError } from '../problems'
import { authorize } from '../reset/scope'
import type { UpstreamDeps } from '../upstream/context'
import { readBody } from '../webhooks/body'
import { decodeJsonBody, parseWebhookPayload } from '../webhooks/payload'
import { durableReplayGuard } from '../webhooks/replay-guard'
import { verifyDelivery } from '../webhooks/signatures'
import type { AppEnv } from './context'
import { backgroundFor, requestDeadline } from './services'

/** 16 KiB is plenty for a reset request; the Standard Webhooks spec suggests < 20 KB payloads. */
export const MAX_WEBHOOK_BODY = 16 * 1024
/** The whole body must arrive within 10 s (GitHub itself gives up on a delivery after 10 s). */
const WEBHOOK_BODY_TIMEOUT_MS = 10_000
export const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i

/**
 * Authenticates `POST /v1/hooks/{client_id}` (docs/api.md "Webhooks"), beside `apiKeyAuth` for the
 * bearer routes. Order matters:
 * 1. no query string (the request is the body) → 400;
 * 2. JSON media type → 415;
 * 3. the raw body, bounded in size (413) and time (408): it must arrive within the body limit
 *    AND early enough that the work after it can still start before the request's deadline
 *    (docs/api.md "How it behaves"). A body that finishes later is a 408 — nothing was
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
    const usableUntil = requestDeadline(c, deps) - minAttemptMs
    const body = await readBody(c.req.raw, {
      maxBytes: MAX_WEBHOOK_BODY,
      timeoutMs: Math.min(bodyTimeoutMs, usableUntil - deps.now()),
      timeoutDetail: `The request body did not arrive completely in time: it must arrive within ${bodyTimeoutMs / 1000} s, and early enough for the reset to fit in the request's ${deadlineMs / 1000} s deadline`,
    })
    const delivery = await verifyDelivery(
      c.get('isolate').config.clientsById,
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

/**
 * What a verified webhook delivery asks for, settled before the replay guard (docs/api.md
 * "Webhooks"): the body must be UTF-8 JSON (400), match the schema unless the client has a
 * fixed `target` (400), and lie inside the client's `allow` (403). Every refusal here is
 * answered without a Durable Object call: a delivery that can do nothing must not cost a
 * reservation and its release (docs/shared-state.md — one credential could otherwise spend
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

/** A pending reservation outlives the request's deadline by this much, then lapses. */
const LEASE_MARGIN_MS = 2_000

/**
 * Webhook replay protection across the whole deployment (docs/shared-state.md), after the
 * signature check (an unverified id could be used to block real deliveries) and after the body
 * and scope checks (a delivery that is refused anyway costs no reservation):
 * - first delivery → reserved, processed; on a 200 the receipt is stored for
 *   REPLAY_RETENTION_HOURS, on any failure the reservation is released so the sender's retry
 *   is processed;
 * - duplicate of a processed delivery → the stored receipt (same `request_id`), no upstream call;
 * - duplicate while the first is in flight → `409 delivery_in_progress`, `Retry-After: 1`;
 * - guard unreachable → `503 state_unavailable` and no DELETE: fail closed, senders retry.
 */
export const replayProtection = (deps: UpstreamDeps) =>
  createMiddleware<AppEnv>(async function replayProtection(c, next) {
    const { client, replayKey } = c.get('delivery')
    const deadline = requestDeadline(c, deps)
    const guard = durableReplayGuard({
      namespace: c.env.REPLAY_GUARD,
      clientId: client.id,
      now: deps.now,
      retentionMs: c.get('isolate').config.replayRetentionMs,
      timeoutMs: () => stateCallBudget(deadline, deps.now()),
    })
    const log = c.get('log')
    const reservation = await guard.reserve(replayKey, deadline - deps.now() + LEASE_MARGIN_MS)
    if (reservation.state === 'done') {
      log.replayed = true
      return c.body(reservation.receipt, 200, { 'Content-Type': 'application/json' })
    }
    if (reservation.state === 'pending') {
      throw new AppError('delivery_in_progress', {
        detail: 'The same delivery is being processed right now; retry shortly',
        headers: { 'Retry-After': '1' },
      })
    }
    await next()
    if (c.res.status === 200 && !c.error) {
      const receipt = await c.res.clone().text()
      // Stored after the answer: until it lands (a few ms), a duplicate sees the reservation
      // and gets 409 + Retry-After: 1, then the receipt. If it cannot be stored, the lease
      // lapses and a later retry of this delivery would reset again — logged.
      backgroundFor(c)(guard.complete(replayKey, receipt), {
        reason: 'replay guard: receipt not stored',
      })
    } else {
      await guard.release(replayKey).catch(() => {
        log.reason ??= 'replay guard: reservation not released (lapses with its lease)'
      })
    }
  })
