import { Hono } from 'hono'
import type { AppEnv } from '../env'
import type { RuntimeResult } from '../runtime'

/**
 * `GET /healthz`: for load balancers and people. Never calls upstream and is reachable even
 * when the configuration is invalid (so a broken deploy is visible), saying only whether the
 * configuration parsed — never why.
 */
export function healthRoutes(runtimeFor: (env: object) => RuntimeResult) {
  return new Hono<AppEnv>().get('/', (c) => {
    c.get('log').route = 'GET /healthz'
    const config = runtimeFor(c.env ?? {}).ok ? 'valid' : 'invalid'
    return c.json({ status: 'ok', config }, 200)
  })
}
