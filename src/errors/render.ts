import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../env'
import { AppError } from './app-error'
import { PROBLEM_TYPE_BASE, PROBLEMS } from './codes'

/**
 * Renders an AppError as RFC 9457 `application/problem+json`. The only place a problem body is
 * built: members are `type`, `title`, `status`, `detail`, `code`, `request_id`, plus `errors`,
 * `upstream` and extensions when present. No stack, no raw upstream text (RFC 9457 §5).
 */
export function renderProblem(c: Context<AppEnv>, error: AppError): Response {
  const { status, title } = PROBLEMS[error.code]
  const { detail, errors, upstream, headers, extensions } = error.options
  const log = c.get('log')
  if (log) {
    log.code = error.code
    if (error.options.reason) log.reason = error.options.reason
  }
  const body = {
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title,
    status,
    detail: detail ?? title,
    code: error.code,
    request_id: c.get('requestId'),
    ...(errors ? { errors } : {}),
    ...(upstream ? { upstream } : {}),
    ...extensions,
  }
  return c.body(JSON.stringify(body), status, {
    ...headers,
    'Content-Type': 'application/problem+json',
  })
}

/** Hono `onError`: everything thrown ends up here and becomes one problem format. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof AppError) return renderProblem(c, error)
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx (e.g. "Malformed JSON in request body" from the validator).
    return renderProblem(
      c,
      new AppError(error.status === 413 ? 'payload_too_large' : 'invalid_request', {
        detail: error.message || undefined,
      })
    )
  }
  return renderProblem(
    c,
    new AppError('internal', { reason: `${error.name}: ${error.message}`.slice(0, 200) })
  )
}
