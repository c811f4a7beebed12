import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { newRequestLog, writeRequestLog } from '../logging/request-log'

/** A caller's request id worth keeping for correlation: at most 128 of `[A-Za-z0-9_=-]`. */
const SAFE_CLIENT_REQUEST_ID = /^[A-Za-z0-9_=-]{1,128}$/

/** The caller's `X-Request-Id` if it is safe; anything else is dropped (never logged). */
export function clientRequestId(header: string | undefined): string | null {
  return header !== undefined && SAFE_CLIENT_REQUEST_ID.test(header) ? header : null
}

/**
 * Outermost gateway middleware (after `requestId()`, which always generates the gateway's own
 * id): opens the request's log record with that id and the caller's safe `X-Request-Id` as
 * `client_request_id`, and on the way out stamps every response — success, problem, 404 — with
 * `Cache-Control: no-store` (answers concern one caller's reset and must never be cached by a
 * shared cache) and the gateway's id, then writes the one log line. The id is never the
 * caller's: a caller could otherwise stamp another request's id into the audit trail (the log,
 * ledger entries and undo records all carry it).
 */
export const requestContext = (now: () => number) =>
  createMiddleware<AppEnv>(async function requestContext(c, next) {
    const started = now()
    const log = newRequestLog(
      c.get('requestId'),
      c.req.method,
      clientRequestId(c.req.header('X-Request-Id'))
    )
    c.set('log', log)
    c.set('startedAt', started)
    try {
      await next()
    } finally {
      c.res.headers.set('Cache-Control', 'no-store')
      c.res.headers.set('X-Request-Id', log.request_id)
      log.status = c.res.status
      log.duration_ms = Math.max(0, now() - started)
      writeRequestLog(log)
    }
  })
