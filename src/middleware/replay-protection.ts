import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import { writeLateFailure } from '../logging/request-log'
import { backgroundFor } from '../routes/request-scope'
import { stateCallBudget } from '../state/bounded-call'
import { durableReplayGuard } from '../state/replay-guard'
import type { UpstreamDeps } from '../upstream/context'

/** A pending reservation outlives the request's deadline by this much, then lapses. */
const LEASE_MARGIN_MS = 2_000

/**
 * Webhook replay protection across the whole deployment (README "Shared state"), after the
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
    const deadline = c.get('startedAt') + deps.policy.deadlineMs
    const guard = durableReplayGuard({
      namespace: c.env.REPLAY_GUARD,
      clientId: client.id,
      now: deps.now,
      retentionMs: c.get('runtime').config.replayRetentionMs,
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
      backgroundFor(c)(
        guard.complete(replayKey, receipt).catch(() => {
          writeLateFailure(c.get('requestId'), 'replay guard: receipt not stored')
        })
      )
    } else {
      await guard.release(replayKey).catch(() => {
        log.reason ??= 'replay guard: reservation not released (lapses with its lease)'
      })
    }
  })
