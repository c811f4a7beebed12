import * as z from 'zod/mini'
import { decodeCursor } from '../state/ledger'
import { CheckpointQuerySchema, name, once } from './checkpoint-request'
import { APP_NAME, APP_NAME_RULE, STREAM_NAME, STREAM_NAME_RULE } from './names'

/**
 * Query schemas of the read and ledger routes (README "Safety net", "Reading checkpoints").
 * Strict objects like the DELETE's: an unknown or repeated parameter is a 400.
 */

/** `GET /v1/checkpoints`: the DELETE's parameters, without `dry_run` (a read changes nothing). */
export const ReadQuerySchema = z.omit(CheckpointQuerySchema, { dry_run: true })

export const RESETS_LIMIT_DEFAULT = 20
const LIMIT_RULE = 'limit must be a whole number from 1 to 100'

/** `GET /v1/resets`. */
export const ResetListQuerySchema = z.strictObject({
  stream_name: z.optional(name('stream_name', STREAM_NAME, STREAM_NAME_RULE)),
  app_name: z.optional(name('app_name', APP_NAME, APP_NAME_RULE)),
  limit: z.optional(
    z.pipe(
      z
        .string({ error: once('limit') })
        .check(z.regex(/^([1-9][0-9]?|100)$/, { error: LIMIT_RULE })),
      z.transform(Number)
    )
  ),
  cursor: z.optional(
    z.string({ error: once('cursor') }).check(
      z.refine((cursor) => decodeCursor(cursor) !== undefined, {
        error: 'cursor must be a next_cursor value from a previous page',
      })
    )
  ),
})

/** `POST /v1/resets/{reset_id}/undo`. */
export const UndoQuerySchema = z.strictObject({
  force: z.optional(z.enum(['true', 'false'], { error: 'force must be true or false' })),
})

/** `GET /v1/resets/{reset_id}` takes no query parameters. */
export const NoQuerySchema = z.strictObject({})
