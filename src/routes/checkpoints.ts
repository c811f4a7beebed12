import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import { apiKeyAuth } from '../middleware/api-key-auth'
import { clientRateLimit } from '../middleware/client-rate-limit'
import { noBody } from '../middleware/no-body'
import { performReset } from '../reset'
import type { UpstreamDeps } from '../upstream/context'
import { upstreamFor } from '../upstream/for-request'
import { CheckpointQuerySchema } from '../validation/checkpoint-request'
import { partitionSelector } from '../validation/partition-id'
import { validateQuery } from '../validation/validate'

/** `DELETE /v1/checkpoints?stream_name=…&app_name=…&partition_id=…` for internal services. */
export function checkpointRoutes(deps: UpstreamDeps) {
  return new Hono<AppEnv>().delete(
    '/',
    apiKeyAuth(),
    clientRateLimit(),
    noBody(),
    validateQuery(CheckpointQuerySchema),
    async (c) => {
      const query = c.req.valid('query')
      const partition = partitionSelector(query.partition_id)
      if (!partition)
        throw new AppError('internal', { reason: 'validated partition id did not canonicalize' })
      const receipt = await performReset({
        client: c.get('client'),
        request: {
          stream_name: query.stream_name,
          app_name: query.app_name,
          partition,
          dry_run: query.dry_run === 'true',
        },
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
      })
      return c.json(receipt, 200)
    }
  )
}
