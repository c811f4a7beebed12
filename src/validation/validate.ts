import { zValidator } from '@hono/zod-validator'
import type { Context } from 'hono'
import type * as z from 'zod/mini'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import { untrusted } from '../logging/request-log'
import { toFieldErrors } from './field-errors'

/**
 * zod-validator with the gateway's failure answer. Its default failure body is zod's raw
 * `safeParse` result (STYLE C7; honojs/middleware#2049), so the hook throws a 400
 * `invalid_request` problem with `errors: [{field, message}]` instead, and logs an escaped,
 * truncated copy of what was rejected.
 */
export function validateQuery<T extends z.ZodMiniType>(schema: T) {
  return zValidator('query', schema, (result, hookContext) => {
    if (result.success) return
    // The hook is typed for a generic env; this middleware only ever runs in the gateway's app.
    const c = hookContext as unknown as Context<AppEnv>
    c.get('log').rejected = Object.entries(c.req.queries()).map(([field, values]) => ({
      field: untrusted(field),
      value: untrusted(values.join(',')),
    }))
    throw new AppError('invalid_request', {
      detail: 'The request parameters are invalid',
      errors: toFieldErrors(result.error.issues),
    })
  })
}
