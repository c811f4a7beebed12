import * as z from 'zod/mini'

/**
 * Partition-id canonicalization (docs/api.md "Parameters").
 *
 * Accepted, all meaning partition number n:
 * - 1–10 ASCII digits (`0`, `7`, `007`); in JSON also a non-negative integer;
 * - `shardId-` (exactly this case) followed by 1–10 ASCII digits;
 * and n ≤ 2147483647: DIS partition ids are 32-bit (Java `int`), so a larger n is refused here,
 * before anything is sent upstream, instead of surfacing as DIS.4201 (or worse, wrapping).
 * Canonical form: `shardId-` + n padded to 10 digits, the only form sent upstream.
 *
 * Digits are matched with explicit `[0-9]` classes and no `u`/`i` flags, so non-ASCII digits,
 * fullwidth forms and case-folded look-alikes (Kelvin sign, long s) never match; nothing is
 * normalised before matching (NFKC after validation would reopen those holes: it maps `ｓｈａｒｄＩｄ` to
 * `shardId`). `Number()`/`parseInt()` are never used on the raw text (`0x1`, `1e3`, `''` and `+7`
 * parse); only on at most 10 ASCII digits the patterns already matched, which it converts exactly.
 */

const DIGITS = /^[0-9]{1,10}$/
const SHARD_ID = /^shardId-([0-9]{1,10})$/

/**
 * The accepted string forms as one pattern, for the route schemas (and so for the OpenAPI
 * document, where zod writes it as `pattern`). A pattern cannot say "at most 2147483647"
 * readably, so it admits every 10-digit number and `partitionSelector` makes the exact check:
 * what the pattern accepts is a superset of what the gateway accepts, never less.
 */
const PARTITION_ID_PATTERN = /^([0-9]{1,10}|shardId-[0-9]{1,10}|all)$/
/** The largest partition number: 2^31 - 1 (DIS partition ids are 32-bit integers). */
export const MAX_PARTITION = 2_147_483_647

export const PARTITION_ID_FORMS =
  'partition_id must be 1-10 ASCII digits (e.g. 7), shardId- followed by 1-10 digits (e.g. shardId-0000000007), or all'
const PARTITION_ID_RANGE =
  'partition_id must be at most 2147483647 (DIS partition ids are 32-bit integers)'

/** Every readable partition of the stream (docs/api.md "partition_id=all"). */
export const ALL_PARTITIONS = 'all'

/** A canonical partition id, `all`, or undefined when the input is neither. */
export function partitionSelector(input: unknown): string | undefined {
  return input === ALL_PARTITIONS ? ALL_PARTITIONS : canonicalPartitionId(input)
}

/**
 * Returns the canonical `shardId-NNNNNNNNNN`, or undefined for anything not in the accepted forms.
 */
export function canonicalPartitionId(input: unknown): string | undefined {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0 || input > MAX_PARTITION) return undefined
    return pad(String(input))
  }
  if (typeof input !== 'string') return undefined
  const digits = DIGITS.test(input) ? input : SHARD_ID.exec(input)?.[1]
  if (digits === undefined || Number(digits) > MAX_PARTITION) return undefined
  return pad(digits)
}

/** The partition number of a canonical id (for ordering and logs). */
export function partitionNumber(canonical: string): number {
  return Number(canonical.slice('shardId-'.length))
}

function pad(digits: string): string {
  // Strip leading zeros first so `0000000000007` style inputs cannot exceed 10 digits; the
  // accepted forms are at most 10 digits anyway, so this only normalises `007` → `7`.
  const trimmed = digits.replace(/^0+(?=[0-9])/, '')
  return `shardId-${trimmed.padStart(10, '0')}`
}

/**
 * Stream and app name rules (docs/api.md "Parameters", docs/upstream.md "Names"). Anchored ASCII
 * allowlists, checked on the decoded value, without the `m` flag (which would let `\n` split the
 * anchors) and without `u`/`i` (Unicode case folding). Everything else is rejected before any URL
 * is built.
 */
export const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/
export const APP_NAME = /^[A-Za-z0-9_-]{1,50}$/

export const STREAM_NAME_RULE = 'stream_name must be 1-64 characters of A-Z a-z 0-9 _ -'
export const APP_NAME_RULE = 'app_name must be 1-50 characters of A-Z a-z 0-9 _ -'

/**
 * The request parameters shared by both routes (docs/api.md "Parameters"). Used by the query
 * validator of `DELETE /v1/checkpoints`; the values are the *decoded* query values, so `%26`, `%0A`
 * or `%2F` arrive here as `&`, LF or `/` and fail the ASCII allowlists.
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

/** A name field: one string, matching `pattern`, else the message `rule`. */
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
const partitionIdField = z.pipe(
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

/** Where a reset goes: one stream, one consumer app, one partition id (or `all`). */
export interface CheckpointTarget {
  stream_name: string
  app_name: string
  /** Canonical `shardId-NNNNNNNNNN`, or `all`. */
  partition_id: string
}
