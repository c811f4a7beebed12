import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'

/**
 * `DELETE` and `GET` take their parameters from the query only. A body is refused rather than
 * ignored: a caller who put `partition_id` in a body would otherwise get a different request
 * than the one they wrote (README "Parameters").
 */
export const noBody = () =>
  createMiddleware<AppEnv>(async function noBody(c, next) {
    const length = c.req.header('content-length')
    const hasBody =
      c.req.header('transfer-encoding') !== undefined ||
      (length !== undefined ? length !== '0' : c.req.raw.body !== null)
    if (hasBody) {
      throw new AppError('invalid_request', {
        detail: `${c.req.method} takes no body; send the parameters in the query string`,
        errors: [{ field: '(body)', message: 'a body is not accepted on this method' }],
      })
    }
    await next()
  })
