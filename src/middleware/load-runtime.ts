import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import type { RuntimeResult } from '../runtime'

/**
 * Names the route in the log line (the pattern, never the caller's path) and makes the parsed
 * configuration available, or fails closed: with an invalid configuration
 * every route behind this middleware answers 500 `misconfigured`, and the reasons (paths and
 * rule names, never values) go to the log only.
 */
export const loadRuntime = (path: string, runtimeFor: (env: object) => RuntimeResult) =>
  createMiddleware<AppEnv>(async function loadRuntime(c, next) {
    c.get('log').route = `${c.req.method} ${path}`
    const result = runtimeFor(c.env ?? {})
    if (!result.ok) {
      throw new AppError('misconfigured', {
        detail:
          'The gateway is not configured correctly; the operator has been told why in the log',
        reason: result.reasons.join('; ').slice(0, 1000),
      })
    }
    c.set('runtime', result.runtime)
    await next()
  })
