import { Hono } from 'hono'
import type { AppEnv, IsolateResult } from '../http/context'
import document from '../openapi/openapi.generated.json'

/**
 * `GET /healthz`: for load balancers and people. Never calls upstream and is reachable even
 * when the configuration is invalid, saying only whether the configuration parsed — never why
 * (the reason is in the log line of any other route). An invalid configuration is a 503, not a
 * 200: a load balancer or an uptime check must stop sending traffic to a deployment that answers
 * every real request with 500 `misconfigured` (README "Configuration").
 */
export function healthRoutes(isolateFor: (env: object) => IsolateResult) {
  return new Hono<AppEnv>().get('/', (c) => {
    c.get('log').route = 'GET /healthz'
    if (!isolateFor(c.env ?? {}).ok) {
      return c.json({ status: 'misconfigured', config: 'invalid' }, 503)
    }
    return c.json({ status: 'ok', config: 'valid' }, 200)
  })
}

let text: string | undefined

/**
 * `GET /openapi.json`: the OpenAPI 3.1 description, for callers and tools. Unauthenticated (it
 * holds no secret and no configuration) and never calls upstream. The document is generated
 * at build time by `npm run openapi` from the route table and the routes' zod schemas
 * (scripts/openapi/), so the generator stays out of the bundle; it is serialized once per
 * isolate.
 */
export function openapiRoutes() {
  return new Hono<AppEnv>().get('/', (c) => {
    c.get('log').route = 'GET /openapi.json'
    text ??= JSON.stringify(document)
    return c.body(text, 200, { 'Content-Type': 'application/json' })
  })
}
