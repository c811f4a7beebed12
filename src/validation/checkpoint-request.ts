import * as z from 'zod/mini'
import { APP_NAME, APP_NAME_RULE, STREAM_NAME, STREAM_NAME_RULE } from './names'
import {
  MAX_PARTITION,
  PARTITION_ID_FORMS,
  PARTITION_ID_PATTERN,
  PARTITION_ID_RANGE,
  partitionSelector,
} from './partition-id'

/**
 * The request parameters shared by both routes (README "Parameters"). Used by the query validator of
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

/**
 * The exact check and the canonical form, after a pattern or integer schema: the validated
 * value *is* the partition selector (`shardId-NNNNNNNNNN` or `all`). The pattern lets through
 * 10-digit numbers above 2147483647; they stop here.
 */
export const toPartitionSelector = <T extends string | number>() =>
  z.transform((value: T, context) => {
    const selector = partitionSelector(value)
    if (selector === undefined) {
      context.issues.push({ code: 'custom', input: value, message: PARTITION_ID_RANGE })
      return z.NEVER
    }
    return selector
  })

/** The string forms (the pattern, which is also the documented one) of a partition id. */
export const partitionIdString = (options: { error?: z.core.$ZodErrorMap } = {}) =>
  z.string(options).check(z.regex(PARTITION_ID_PATTERN, { error: PARTITION_ID_FORMS }))

/** The JSON integer form: the range is a schema rule, so JSON Schema carries it as min/max. */
export const partitionIdInteger = () =>
  z
    .int()
    .check(
      z.minimum(0, { error: PARTITION_ID_FORMS }),
      z.maximum(MAX_PARTITION, { error: PARTITION_ID_RANGE })
    )

/** `partition_id` in a query: a string in one of the forms; validated into the selector. */
export const partitionIdField = z.pipe(
  partitionIdString({ error: once('partition_id') }),
  toPartitionSelector<string>()
)

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
