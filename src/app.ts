import { methodNotAllowed } from 'hono/method-not-allowed'
import { Hono } from 'hono/tiny'
import type { AppEnv } from './http/context'
import {
  createIsolateStore,
  handleError,
  loadIsolate,
  renderProblem,
  requestContext,
} from './http/context'
import { AppError } from './problems'
import { checkpointRoutes } from './routes/checkpoints'
import { hookRoutes } from './routes/hooks'
import { healthRoutes } from './routes/meta'
import { resetRoutes } from './routes/resets'
import { createTokenCache } from './token/cache'
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './upstream/attempt'
import type { UpstreamDeps } from './upstream/context'

export interface AppOptions {
  /** Overrides of the retry timing (tests use short timeouts). */
  retry?: Partial<RetryPolicy>
  now?: () => number
  random?: () => number
  fetch?: UpstreamDeps['fetch']
  /** How long a webhook body may take to arrive (default 10 s; tests shorten it). */
  webhookBodyTimeoutMs?: number
}

/**
 * The paths that need the configuration, spelled once as in the OpenAPI document (which is also
 * how the log line names the route); Hono's `:param` form is derived from it.
 */
const CONFIGURED_PATHS = [
  '/v1/checkpoints',
  '/v1/resets',
  '/v1/resets/{reset_id}',
  '/v1/resets/{reset_id}/undo',
  '/v1/hooks/{client_id}',
] as const

const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1')

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Builds the gateway. Middleware order: request context (the gateway's own request id, log
 * line, no-store, arrival time) → 405 for known paths → configuration → per-route auth and the
 * client's rate limit → validation → handler. Everything thrown becomes one RFC 9457 problem
 * in `handleError`.
 */
export function createApp(options: AppOptions = {}) {
  const deps: UpstreamDeps = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
    sleep,
    random: options.random ?? Math.random,
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
  }
  const isolateFor = createIsolateStore(() =>
    createTokenCache({
      now: deps.now,
      sleep,
      staleFetchMs: deps.policy.attemptTimeoutMs * 2 + 1_000,
    })
  )

  // `hono/tiny` (PatternRouter) here and in routes/, not `hono` (SmartRouter → RegExpRouter):
  // RegExpRouter compiles all routes into one expression on the first request, which every cold
  // start pays (~1.7 ms CPU), and its code is compiled at start too; for the gateway's dozen
  // routes, matching route by route costs ~1 µs more per request (bench/RESULTS.md "Cold start",
  // "Worker CPU").
  const app = new Hono<AppEnv>()
  app.use(requestContext(deps.now))
  // A known path with another method: 405 with `Allow`, derived from the routes below.
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        renderProblem(
          c,
          new AppError('method_not_allowed', {
            detail: `${c.req.method} is not allowed here`,
            headers: { Allow: methods.join(', ') },
          })
        ),
    })
  )
  app.route('/healthz', healthRoutes(isolateFor))
  // GET /openapi.json is a static asset (public/openapi.json, wrangler.jsonc `assets`).

  for (const path of CONFIGURED_PATHS) app.use(honoPath(path), loadIsolate(path, isolateFor))
  app.route('/v1/checkpoints', checkpointRoutes(deps))
  app.route('/v1/resets', resetRoutes(deps))
  app.route('/v1/hooks', hookRoutes(deps, options.webhookBodyTimeoutMs))

  app.notFound((c) => renderProblem(c, new AppError('not_found', { detail: 'No such route' })))
  app.onError(handleError)
  return app
}
