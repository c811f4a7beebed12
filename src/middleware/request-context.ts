import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { newRequestLog, writeRequestLog } from '../logging/request-log'

/**
 * Outermost gateway middleware (after `requestId()`): opens the request's log record, and on the
 * way out stamps every response — success, problem, 404 — with `Cache-Control: no-store`
 * (answers concern one caller's reset and must never be cached by a shared cache) and the
 * request id, then writes the one log line.
 */
export const requestContext = (now: () => number) =>
  createMiddleware<AppEnv>(async function requestContext(c, next) {
    const started = now()
    const log = newRequestLog(c.get('requestId'), c.req.method)
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
