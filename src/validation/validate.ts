import { zValidator } from '@hono/zod-validator'
import type { Context } from 'hono'
import type * as z from 'zod/mini'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import { untrusted } from '../logging/request-log'
import { toFieldErrors } from './field-errors'

/** `?=x`, `&=x`: a parameter whose name is empty (no parameter accepts `?` or `&` in a value). */
const EMPTY_NAME = /[?&]=/

/**
 * zod-validator with the gateway's failure answer. Its default failure body is zod's raw
 * `safeParse` result (honojs/middleware#2049), so the hook throws a 400 `invalid_request`
 * problem with `errors: [{field, message}]` instead.
 *
 * What reaches the log: for a known parameter, an escaped, truncated copy of its value; for an
 * unknown one, its name only — never its value: callers put keys in query strings by mistake
 * (`?access_token=…`), and a log is no place for them (OWASP Logging Cheat Sheet, "Data to
 * exclude"). A parameter with an empty name (`?=x`) is refused before the schema runs.
 */
export function validateQuery<T extends z.ZodMiniObject>(schema: T) {
  const known = new Set(Object.keys(schema.shape))
  return zValidator('query', schema, (result, hookContext) => {
    // The hook is typed for a generic env; this middleware only ever runs in the gateway's app.
    const c = hookContext as unknown as Context<AppEnv>
    const emptyName = EMPTY_NAME.test(c.req.url)
    if (result.success && !emptyName) return
    c.get('log').rejected = Object.entries(c.req.queries()).map(([field, values]) =>
      known.has(field) ? { field, value: untrusted(values.join(',')) } : { field: untrusted(field) }
    )
    const errors = result.success ? [] : toFieldErrors(result.error.issues)
    if (emptyName) errors.push({ field: '(query)', message: 'a parameter name must not be empty' })
    throw new AppError('invalid_request', {
      detail: 'The request parameters are invalid',
      errors,
    })
  })
}
