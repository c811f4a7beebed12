import { Hono } from 'hono/tiny'
import { bearerRoute } from '../http/bearer'
import type { AppEnv } from '../http/context'
import {
  noQuerySchema,
  RESETS_LIMIT_DEFAULT,
  resetListQuerySchema,
  undoQuerySchema,
  validateQuery,
} from '../http/query'
import { chargeFanOut } from '../http/rate-limit'
import { backgroundFor, requestDeadline, requireLedger, upstreamFor } from '../http/services'
import { JSON_MEDIA_TYPE, MAX_WEBHOOK_BODY } from '../http/webhook'
import { publicEntry } from '../ledger/entry'
import { AppError } from '../problems'
import { performMove } from '../reset/move'
import { performReset } from '../reset/perform-reset'
import { visibleEntry } from '../reset/read'
import { performUndo } from '../reset/undo'
import type { UpstreamDeps } from '../upstream/context'
import { readBody } from '../webhooks/body'
import { parseMoveBody } from '../webhooks/move-body'
import { decodeJsonBody } from '../webhooks/payload'

/** The body of a move must arrive within 10 s, like a webhook's. */
const MOVE_BODY_TIMEOUT_MS = 10_000
/** A move without a snapshot could not be undone, so with the ledger off it is not offered. */
const MOVES_NEED_LEDGER =
  'The reset ledger is off on this gateway (RESET_LEDGER=off): moves need its snapshot to be undoable, so POST /v1/resets is not offered'

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
    .get('/', ...auth, validateQuery(resetListQuerySchema), async (c) => {
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
    .get('/:reset_id', ...auth, validateQuery(noQuerySchema), async (c) => {
      const ledger = requireLedger(c, deps)
      const entry = await visibleEntry(ledger, c.get('client'), c.req.param('reset_id'))
      c.get('log').reset_id = entry.reset_id
      // Exactly as listed: `request_id` is the reset's (the link to its log line); this
      // request's own id is in X-Request-Id.
      return c.json(publicEntry(entry), 200)
    })
    .post('/', ...bearerRoute({ body: true }), async (c) => {
      const ledger = requireLedger(c, deps, MOVES_NEED_LEDGER)
      if (new URL(c.req.url).search !== '') {
        throw new AppError('invalid_request', {
          detail: 'POST /v1/resets takes no query parameters; put the request in the JSON body',
          errors: [{ field: '(query)', message: 'query parameters are not accepted here' }],
        })
      }
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? ''
      if (!JSON_MEDIA_TYPE.test(mediaType)) {
        throw new AppError('unsupported_media_type', {
          detail: 'The body must be application/json',
        })
      }
      const body = await readBody(c.req.raw, {
        maxBytes: MAX_WEBHOOK_BODY,
        timeoutMs: Math.min(MOVE_BODY_TIMEOUT_MS, requestDeadline(c, deps) - deps.now()),
      })
      const move = parseMoveBody(decodeJsonBody(body))
      const common = {
        client: c.get('client'),
        upstream: upstreamFor(c, deps),
        requestId: c.get('requestId'),
        log: c.get('log'),
        origin: { via: 'api', deliveryId: null } as const,
        ledger,
        background: backgroundFor(c),
        admit: chargeFanOut(c),
      }
      const { to } = move
      if (to.type === 'delete') {
        // Exactly the DELETE of /v1/checkpoints (docs/api.md "Moving a checkpoint").
        const receipt = await performReset({
          ...common,
          request: { ...move, dry_run: move.dry_run },
        })
        return c.json(receipt, 200)
      }
      const { answer, etag } = await performMove({
        ...common,
        request: { ...move, to },
        ifMatch: c.req.header('If-Match'),
      })
      c.header('ETag', etag)
      return c.json(answer, 200)
    })
    .post('/:reset_id/undo', ...auth, validateQuery(undoQuerySchema), async (c) => {
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
