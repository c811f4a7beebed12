import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import type { RequestIdVariables } from 'hono/request-id'
import type { GatewayConfig } from '../config/parse'
import { parseConfig } from '../config/parse'
import { EnvSchema } from '../config/schema'
import type { RequestLog } from '../log'
import { newRequestLog, writeRequestLog } from '../log'
import type { ClientConfig } from '../model/client'
import { AppError, PROBLEM_TYPE_BASE, PROBLEMS } from '../problems'
import type { TokenCache } from '../upstream/context'
import type { WebhookRequest } from '../webhooks/payload'
import type { VerifiedDelivery } from '../webhooks/signatures'

/** Hono environment of the gateway: Worker bindings plus per-request variables. */
export type AppEnv = {
  Bindings: Env
  Variables: RequestIdVariables & {
    /** The request's log record, filled in by each stage and written once at the end. */
    log: RequestLog
    /** When the request arrived: the overall deadline counts from here. */
    startedAt: number
    /** The isolate's parsed configuration and caches (absent only when misconfigured). */
    isolate: Isolate
    /** The authenticated caller. */
    client: ClientConfig
    /** Webhook route: the verified delivery and its raw body. */
    delivery: VerifiedDelivery & { body: Uint8Array }
    /** Webhook route: the reset the delivery asks for, validated and in scope. */
    hookTarget: WebhookRequest
  }
}

/** A caller's request id worth keeping for correlation: at most 128 of `[A-Za-z0-9_=-]`. */
const SAFE_CLIENT_REQUEST_ID = /^[A-Za-z0-9_=-]{1,128}$/

/** The caller's `X-Request-Id` if it is safe; anything else is dropped (never logged). */
function clientRequestId(header: string | undefined): string | null {
  return header !== undefined && SAFE_CLIENT_REQUEST_ID.test(header) ? header : null
}

/**
 * Outermost gateway middleware: makes the gateway's own request id (a random UUID) and opens the
 * request's log record with it and the caller's safe `X-Request-Id` as
 * `client_request_id`, and on the way out stamps every response — success, problem, 404 — with
 * `Cache-Control: no-store` (answers concern one caller's reset and must never be cached by a
 * shared cache) and the gateway's id, then writes the one log line. The id is never the
 * caller's: a caller could otherwise stamp another request's id into the audit trail (the log,
 * ledger entries and undo records all carry it).
 */
export const requestContext = (now: () => number) =>
  createMiddleware<AppEnv>(async function requestContext(c, next) {
    const started = now()
    // Made here rather than by Hono's requestId() middleware: one dispatch layer fewer per request.
    const id = crypto.randomUUID()
    c.set('requestId', id)
    const log = newRequestLog(id, c.req.method, clientRequestId(c.req.header('X-Request-Id')))
    c.set('log', log)
    c.set('startedAt', started)
    // Set before any response exists, so every response Hono builds — the handler's, a
    // problem, 404, 405 — is created with them, rather than changed after it was made.
    c.header('Cache-Control', 'no-store')
    c.header('X-Request-Id', id)
    try {
      await next()
    } finally {
      log.status = c.res.status
      log.duration_ms = Math.max(0, now() - started)
      writeRequestLog(log)
    }
  })

/**
 * Names the route in the log line (the pattern, never the caller's path) and makes the parsed
 * configuration available, or fails closed: with an invalid configuration
 * every route behind this middleware answers 500 `misconfigured`, and the reasons (paths and
 * rule names, never values) go to the log only.
 */
export const loadIsolate = (path: string, isolateFor: (env: object) => IsolateResult) =>
  createMiddleware<AppEnv>(async function loadIsolate(c, next) {
    c.get('log').route = `${c.req.method} ${path}`
    const result = isolateFor(c.env ?? {})
    if (!result.ok) {
      throw new AppError('misconfigured', {
        detail:
          'The gateway is not configured correctly; the operator has been told why in the log',
        reason: result.reasons.join('; ').slice(0, 1000),
      })
    }
    c.set('isolate', result.isolate)
    await next()
  })

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

/** The isolate's parsed configuration and the caches that belong to it. */
interface Isolate {
  config: GatewayConfig
  tokens: TokenCache
}

export type IsolateResult = { ok: true; isolate: Isolate } | { ok: false; reasons: string[] }

/** The bindings the configuration is made of; a change in any of them is a new configuration. */
const CONFIG_KEYS = Object.keys(EnvSchema.shape)
/**
 * Bindings (not strings) the gateway cannot work without, declared in wrangler.jsonc. A deploy
 * that lost one fails closed with `misconfigured` instead of failing open (e.g. without a
 * replay guard) or half-way through a reset.
 */
const REQUIRED_BINDINGS = ['REPLAY_GUARD', 'TOKEN_BROKER', 'LEDGER', 'CLIENT_RATE_LIMITER'] as const

const MAX_REMEMBERED = 4

/**
 * Parses the configuration once per isolate (parsed once, not per request) and keeps the
 * token cache with it. Looked up by the `env` object first; if the runtime hands us a new `env`
 * object with the same values, the values are compared (identical strings compare in O(1)),
 * so the token cache survives. A changed secret yields a fresh isolate state and a fresh cache: a
 * token is never reused across identities.
 */
export function createIsolateStore(newTokenCache: () => TokenCache) {
  const byEnv = new WeakMap<object, IsolateResult>()
  let remembered: { values: unknown[]; result: IsolateResult }[] = []

  return function isolateFor(env: object): IsolateResult {
    const known = byEnv.get(env)
    if (known) return known
    const record = env as Record<string, unknown>
    const values = [...CONFIG_KEYS, ...REQUIRED_BINDINGS].map((key) => record[key])
    let entry = remembered.find((r) => r.values.every((v, i) => v === values[i]))
    if (!entry) {
      const parsed = parseConfig(record)
      const missing = REQUIRED_BINDINGS.filter((name) => typeof record[name] !== 'object').map(
        (name) => `binding ${name} is missing (see wrangler.jsonc)`
      )
      const result: IsolateResult =
        parsed.ok && missing.length === 0
          ? { ok: true, isolate: { config: parsed.config, tokens: newTokenCache() } }
          : { ok: false, reasons: [...missing, ...(parsed.ok ? [] : parsed.reasons)] }
      entry = { values, result }
      remembered = [entry, ...remembered].slice(0, MAX_REMEMBERED)
    }
    byEnv.set(env, entry.result)
    return entry.result
  }
}
