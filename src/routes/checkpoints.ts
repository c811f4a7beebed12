import { Hono } from 'hono/tiny'
import { bearerRoute } from '../http/bearer'
import type { AppEnv } from '../http/context'
import { readQuerySchema, validateQuery } from '../http/query'
import { chargeFanOut } from '../http/rate-limit'
import { backgroundFor, ledgerFor, upstreamFor } from '../http/services'
import { CheckpointQuerySchema } from '../model/checkpoint-target'
import { performReset } from '../reset/perform-reset'
import { readCheckpoints } from '../reset/read'
import type { UpstreamDeps } from '../upstream/context'

/** Built at module evaluation: the first reset needs it anyway (validateQuery in http/query.ts). */
const checkpointQuery = () => CheckpointQuerySchema

/**
 * `/v1/checkpoints` for internal services (Bearer):
 * - `DELETE ?stream_name=…&app_name=…&partition_id=…` resets (with snapshot and ledger entry);
 * - `GET` (and `HEAD`) with the same parameters reads the current positions.
 */
export function checkpointRoutes(deps: UpstreamDeps) {
  return new Hono<AppEnv>()
    .delete('/', ...bearerRoute(), validateQuery(checkpointQuery), async (c) => {
      const query = c.req.valid('query')
      const receipt = await performReset({
        client: c.get('client'),
        request: {
          stream_name: query.stream_name,
          app_name: query.app_name,
          partition_id: query.partition_id,
          dry_run: query.dry_run === 'true',
        },
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
        origin: { via: 'api', deliveryId: null },
        ledger: ledgerFor(c, deps),
        background: backgroundFor(c),
        admit: chargeFanOut(c),
      })
      return c.json(receipt, 200)
    })
    .get('/', ...bearerRoute(), validateQuery(readQuerySchema), async (c) => {
      const query = c.req.valid('query')
      const answer = await readCheckpoints({
        client: c.get('client'),
        target: {
          stream_name: query.stream_name,
          app_name: query.app_name,
          partition_id: query.partition_id,
        },
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
        admit: chargeFanOut(c),
      })
      return c.json(answer, 200)
    })
}
