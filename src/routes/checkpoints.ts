import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors/app-error'
import { bearerAuth } from '../middleware/bearer-auth'
import { performReset } from '../reset'
import type { UpstreamDeps } from '../upstream/context'
import { CheckpointQuerySchema } from '../validation/checkpoint-request'
import { partitionSelector } from '../validation/partition-id'
import { validateQuery } from '../validation/validate'

/** `DELETE /v1/checkpoints?stream_name=…&app_name=…&partition_id=…` for internal services. */
export function checkpointRoutes(deps: UpstreamDeps) {
  return new Hono<AppEnv>().delete(
    '/',
    bearerAuth(),
    validateQuery(CheckpointQuerySchema),
    async (c) => {
      const query = c.req.valid('query')
      const partition = partitionSelector(query.partition_id)
      if (!partition)
        throw new AppError('internal', { reason: 'validated partition id did not canonicalize' })
      const receipt = await performReset(c, deps, {
        stream_name: query.stream_name,
        app_name: query.app_name,
        partition,
        dry_run: query.dry_run === 'true',
      })
      return c.json(receipt, 200)
    }
  )
}
