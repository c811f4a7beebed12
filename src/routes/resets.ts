import { Hono } from 'hono'
import { bearerRoute } from '../http/bearer'
import type { AppEnv } from '../http/context'
import {
  NoQuerySchema,
  RESETS_LIMIT_DEFAULT,
  ResetListQuerySchema,
  UndoQuerySchema,
  validateQuery,
} from '../http/query'
import { chargeFanOut } from '../http/rate-limit'
import { requireLedger, upstreamFor } from '../http/services'
import { publicEntry } from '../ledger/entry'
import { visibleEntry } from '../reset/read'
import { performUndo } from '../reset/undo'
import type { UpstreamDeps } from '../upstream/context'

/**
 * The reset ledger (docs/api.md "Safety net"), Bearer only and scoped by `allow`:
 * - `GET /v1/resets` lists entries newest first, with an opaque cursor;
 * - `GET /v1/resets/{reset_id}` shows one;
 * - `POST /v1/resets/{reset_id}/undo[?force=true]` puts the snapshot back.
 * An unknown id and one the client may not see are the same 404 `reset_not_found`.
 */
export function resetRoutes(deps: UpstreamDeps) {
  const auth = bearerRoute()
  return new Hono<AppEnv>()
    .get('/', ...auth, validateQuery(ResetListQuerySchema), async (c) => {
      const query = c.req.valid('query')
      const page = await requireLedger(c, deps).list({
        allow: c.get('client').allowPatterns,
        stream_name: query.stream_name,
        app_name: query.app_name,
        limit: query.limit ?? RESETS_LIMIT_DEFAULT,
        cursor: query.cursor,
      })
      return c.json(
        {
          resets: page.entries.map(publicEntry),
          next_cursor: page.next_cursor,
          request_id: c.get('requestId'),
        },
        200
      )
    })
    .get('/:reset_id', ...auth, validateQuery(NoQuerySchema), async (c) => {
      const ledger = requireLedger(c, deps)
      const entry = await visibleEntry(ledger, c.get('client'), c.req.param('reset_id'))
      c.get('log').reset_id = entry.reset_id
      // Exactly as listed: `request_id` is the reset's (the link to its log line); this
      // request's own id is in X-Request-Id.
      return c.json(publicEntry(entry), 200)
    })
    .post('/:reset_id/undo', ...auth, validateQuery(UndoQuerySchema), async (c) => {
      const undo = await performUndo({
        client: c.get('client'),
        resetId: c.req.param('reset_id'),
        force: c.req.valid('query').force === 'true',
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
        ledger: requireLedger(c, deps),
        admit: chargeFanOut(c),
      })
      return c.json({ ...undo, request_id: c.get('requestId') }, 200)
    })
}
