import * as z from 'zod/mini'
import { APP_NAME, APP_NAME_RULE, STREAM_NAME, STREAM_NAME_RULE } from './names'
import { PARTITION_ID_FORMS, partitionSelector } from './partition-id'

/**
 * The request parameters shared by both routes (contract §1). Used by the query validator of
 * `DELETE /v1/checkpoints`; the values are the *decoded* query values, so `%26`, `%0A` or `%2F`
 * arrive here as `&`, LF or `/` and fail the ASCII allowlists.
 *
 * Strict object: an unknown parameter (`partiton_id`) is a 400, never silently dropped. A
 * repeated query parameter arrives as an array and fails the string check (parameter pollution).
 */
export const once = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined
    ? `${what} is required`
    : Array.isArray(issue.input)
      ? `${what} must be given only once`
      : `${what} must be a string`

export const name = (what: string, pattern: RegExp, rule: string) =>
  z.string({ error: once(what) }).check(z.regex(pattern, { error: rule }))

export const partitionIdField = z
  .string({ error: once('partition_id') })
  .check(z.refine((value) => partitionSelector(value) !== undefined, { error: PARTITION_ID_FORMS }))

export const CheckpointQuerySchema = z.strictObject({
  stream_name: name('stream_name', STREAM_NAME, STREAM_NAME_RULE),
  app_name: name('app_name', APP_NAME, APP_NAME_RULE),
  partition_id: partitionIdField,
  checkpoint_type: z.optional(
    z.literal('LAST_READ', {
      error: 'checkpoint_type must be LAST_READ (the only type DIS supports)',
    })
  ),
  dry_run: z.optional(z.enum(['true', 'false'], { error: 'dry_run must be true or false' })),
})

export type CheckpointQuery = z.infer<typeof CheckpointQuerySchema>
