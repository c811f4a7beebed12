import { Hono } from 'hono/tiny'
import type { AppEnv, IsolateResult } from '../http/context'

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
