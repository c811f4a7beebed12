import * as z from 'zod/mini'
import { lazy } from '../lib/lazy'
import { untrusted } from '../log'

/**
 * The `to` and `out_of_range` members of `POST /v1/resets`: eight
 * target types, each a strict object (an unknown member is a 400, never ignored), with the text
 * forms of times, durations, sequence numbers and shifts read here. Pure: the clock is injected.
 */

/** The eight `to` types, in the order the README lists them. */
export const MOVE_TARGET_TYPES = [
  'earliest',
  'latest',
  'timestamp',
  'duration',
  'sequence_number',
  'shift_by',
  'app',
  'delete',
] as const

export type MoveTargetType = (typeof MOVE_TARGET_TYPES)[number]

/** The largest |shift_by|: far beyond any retained range, and exact as a JS number (< 2^53). */
export const MAX_SHIFT = 10n ** 15n
const INT64_MAX = 9223372036854775807n

/** A caller's sequence number: int64 in plain decimal, no sign, space or leading zero. */
const SEQUENCE_TEXT = /^(0|[1-9][0-9]{0,18})$/
/** A JSON integer as written: optional `-`, no leading zero, no fraction or exponent. */
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/
const APP_NAME = /^[A-Za-z0-9_-]{1,50}$/

/**
 * RFC 3339 `date-time` (§5.6): `T`, `t` or a space between date and time (its note allows the
 * space), 1–9 fraction digits, and the offset captured separately so its absence gets its own
 * message instead of being read as UTC (Kafka's `--to-datetime` silently does).
 */
const DATE_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})?$/

/**
 * ISO 8601 duration limited to days, hours, minutes and seconds (fixed lengths), seconds with at
 * most 3 decimals: DIS record timestamps are milliseconds, so finer fractions mean nothing.
 */
const DURATION =
  /^P(?:([0-9]{1,9})D)?(?:T(?:([0-9]{1,9})H)?(?:([0-9]{1,9})M)?(?:([0-9]{1,9})(?:\.([0-9]{1,3}))?S)?)?$/

const TIMESTAMP_RULE = 'timestamp must be an RFC 3339 date-time, e.g. 2026-12-04T09:30:00+08:00'
const DURATION_RULE =
  'duration must be an ISO 8601 duration of days, hours, minutes and seconds, e.g. PT1H30M or P1DT12H'

export type TextParse<T> = { ok: true; value: T } | { ok: false; message: string }

/** Epoch milliseconds of an RFC 3339 date-time with an offset (fraction beyond ms truncated). */
export function parseTimestamp(text: string): TextParse<number> {
  const m = DATE_TIME.exec(text)
  if (!m) return { ok: false, message: TIMESTAMP_RULE }
  const [, y, mo, d, h, mi, s, fraction, offset] = m
  if (offset === undefined)
    return {
      ok: false,
      message: 'timestamp needs an offset (Z or ±hh:mm): a local time is ambiguous',
    }
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (year < 1970) return { ok: false, message: 'timestamp must not be before 1970' }
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3))
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms)
  const check = new Date(local)
  // Date.UTC rolls 31 February into March: a round trip of the fields catches it (and 24:00, :60).
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  )
    return { ok: false, message: 'timestamp is not a valid calendar date and time' }
  if (offset === 'Z' || offset === 'z') return { ok: true, value: local }
  const offsetHours = Number(offset.slice(1, 3))
  const offsetMinutes = Number(offset.slice(4, 6))
  if (offsetHours > 23 || offsetMinutes > 59)
    return { ok: false, message: 'timestamp has an offset outside ±23:59' }
  const sign = offset.startsWith('-') ? -1 : 1
  return { ok: true, value: local - sign * (offsetHours * 60 + offsetMinutes) * 60_000 }
}

/**
 * Milliseconds of an ISO 8601 `PnDTnHnMn(.nnn)S` duration (BigInt: 9-digit fields overflow 2^53).
 */
export function parseDuration(text: string): TextParse<bigint> {
  const m = DURATION.exec(text)
  if (!m || text === 'P' || text.endsWith('T')) {
    const unsupported = /^P[0-9.]*[YMW]/.test(text) || /^P.*T.*[YW]/.test(text)
    return {
      ok: false,
      message: unsupported
        ? 'duration may not use years, months or weeks (their length varies or reads ambiguously): use days, e.g. P7D'
        : DURATION_RULE,
    }
  }
  const [, days, hours, minutes, seconds, fraction] = m
  const field = (value: string | undefined) => BigInt(value ?? '0')
  const ms =
    ((field(days) * 24n + field(hours)) * 60n + field(minutes)) * 60_000n +
    field(seconds) * 1000n +
    BigInt((fraction ?? '').padEnd(3, '0'))
  return { ok: true, value: ms }
}

/** A caller's sequence number as int64 BigInt. */
export function parseSequenceNumber(text: string): TextParse<bigint> {
  if (!SEQUENCE_TEXT.test(text) || BigInt(text) > INT64_MAX) {
    return {
      ok: false,
      message:
        'sequence_number must be a decimal string from 0 to 9223372036854775807 (digits only, no sign or leading zero)',
    }
  }
  return { ok: true, value: BigInt(text) }
}

/**
 * A JSON number with its source text kept by the body decoder (see src/webhooks/json-body.ts:
 * `JSON.parse` alone turns `1.0`, `1e0` and `1` into the same value).
 */
export interface JsonNumberSource {
  readonly source: string
}

const SHIFT_RULE = 'shift_by must be a JSON integer from -1000000000000000 to 1000000000000000'

/**
 * `shift_by` as the decoder hands it over: a BigInt, or the number's source text. A bare JS
 * number is refused, because its written form is lost and the contract makes `1.0` or `1e3` a
 * 400: the body decoder must keep the text of numbers at `to.shift_by`.
 */
export function parseShiftBy(value: unknown): TextParse<bigint> {
  let n: bigint
  if (typeof value === 'bigint') n = value
  else if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { source?: unknown }).source === 'string'
  ) {
    const source = (value as JsonNumberSource).source
    if (!INTEGER_TEXT.test(source) || source === '-0' || source.length > 20)
      return { ok: false, message: SHIFT_RULE }
    n = BigInt(source)
  } else return { ok: false, message: value === undefined ? 'shift_by is required' : SHIFT_RULE }
  if (n > MAX_SHIFT || n < -MAX_SHIFT) return { ok: false, message: SHIFT_RULE }
  return { ok: true, value: n }
}

/** A zod string checked with one of the parsers above (the parse's message is the issue). */
const textField = (what: string, parse: (text: string) => TextParse<unknown>) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined ? `${what} is required` : `${what} must be a string`,
    })
    .check((ctx) => {
      const result = parse(ctx.value)
      if (!result.ok) ctx.issues.push({ code: 'custom', input: ctx.value, message: result.message })
    })

const shiftByField = () =>
  z.pipe(
    z.unknown(),
    z.transform((value, ctx) => {
      const result = parseShiftBy(value)
      if (result.ok) return Number(result.value) // exact: |n| ≤ 10^15 < 2^53
      ctx.issues.push({ code: 'custom', input: value, message: result.message })
      return z.NEVER
    })
  )

const only = <T extends MoveTargetType>(type: T) => z.literal(type)

/**
 * The `to` object: one strict shape per type, told apart by `type`. Built on first use
 * (lib/lazy.ts): a cold start's first plain reset never needs it.
 */
export const moveTargetSchema = lazy(() =>
  z.discriminatedUnion(
    'type',
    [
      z.strictObject({ type: only('earliest') }),
      z.strictObject({ type: only('latest') }),
      z.strictObject({
        type: only('timestamp'),
        timestamp: textField('timestamp', parseTimestamp),
      }),
      z.strictObject({ type: only('duration'), duration: textField('duration', parseDuration) }),
      z.strictObject({
        type: only('sequence_number'),
        sequence_number: textField('sequence_number', parseSequenceNumber),
      }),
      z.strictObject({ type: only('shift_by'), shift_by: shiftByField() }),
      z.strictObject({
        type: only('app'),
        app_name: textField('app_name', (text) =>
          APP_NAME.test(text)
            ? { ok: true, value: text }
            : { ok: false, message: 'app_name must be 1-50 characters of A-Z a-z 0-9 _ -' }
        ),
      }),
      z.strictObject({ type: only('delete') }),
    ],
    { error: () => `type must be one of ${MOVE_TARGET_TYPES.join(', ')}` }
  )
)

/** A validated `to`, JSON-safe as it is echoed in the answer and kept in the ledger. */
export type MoveTarget = z.infer<ReturnType<typeof moveTargetSchema>>

/** `out_of_range`: `reject` (default) answers 409; `clamp` moves P to the nearest bound. */
export const outOfRangeSchema = lazy(() =>
  z.optional(z.enum(['reject', 'clamp'], { error: 'out_of_range must be reject or clamp' }))
)
export type OutOfRange = 'reject' | 'clamp'

/** One `{field, message}` of a 400 problem (docs/api.md "Errors"). */
export interface MoveFieldError {
  field: string
  message: string
}

export type MoveRequestParse =
  | { ok: true; to: MoveTarget; outOfRange: OutOfRange }
  | { ok: false; errors: MoveFieldError[] }

/**
 * Validates the `to` and `out_of_range` members of a body (or of a webhook client's fixed
 * target). Field names are dotted paths (`to.timestamp`); an unknown member is named, escaped
 * and clipped as caller input, never its value.
 */
export function parseMoveRequest(body: { to?: unknown; out_of_range?: unknown }): MoveRequestParse {
  const errors: MoveFieldError[] = []
  const to = body.to === undefined ? undefined : moveTargetSchema().safeParse(body.to)
  if (!to) errors.push({ field: 'to', message: 'to is required' })
  else if (!to.success) errors.push(...fieldErrors('to', to.error.issues))
  const outOfRange = outOfRangeSchema().safeParse(body.out_of_range)
  if (!outOfRange.success) errors.push(...fieldErrors('out_of_range', outOfRange.error.issues))
  if (errors.length > 0 || !to?.success || !outOfRange.success) return { ok: false, errors }
  return { ok: true, to: to.data, outOfRange: outOfRange.data ?? 'reject' }
}

function fieldErrors(
  root: string,
  issues: readonly { code: string; path: PropertyKey[]; message: string; keys?: string[] }[]
): MoveFieldError[] {
  return issues.flatMap((issue) => {
    const at = [root, ...issue.path.map(String)].join('.')
    if (issue.code === 'unrecognized_keys')
      return (issue.keys ?? []).map((key) => ({
        field: `${at}.${untrusted(key)}`,
        message: 'is not a known member for this type',
      }))
    if (issue.code === 'invalid_type' && issue.path.length === 0)
      return [{ field: at, message: `${root} must be ${root === 'to' ? 'an object' : 'a string'}` }]
    return [{ field: at, message: issue.message }]
  })
}

/**
 * The instant T of a time move, in epoch ms: the timestamp itself, or now − duration. A T later
 * than now is refused (no record can have been written then; DIS's answer to a future
 * AT_TIMESTAMP is not established), as is a duration reaching before 1970.
 */
export function targetInstant(
  to: Extract<MoveTarget, { type: 'timestamp' } | { type: 'duration' }>,
  nowMs: number
): { ok: true; atMs: number } | { ok: false; error: MoveFieldError } {
  if (to.type === 'timestamp') {
    const parsed = parseTimestamp(to.timestamp)
    if (!parsed.ok) return { ok: false, error: { field: 'to.timestamp', message: parsed.message } }
    if (parsed.value > nowMs)
      return { ok: false, error: { field: 'to.timestamp', message: 'timestamp is later than now' } }
    return { ok: true, atMs: parsed.value }
  }
  const parsed = parseDuration(to.duration)
  if (!parsed.ok) return { ok: false, error: { field: 'to.duration', message: parsed.message } }
  const at = BigInt(nowMs) - parsed.value
  if (at < 0n)
    return { ok: false, error: { field: 'to.duration', message: 'duration reaches before 1970' } }
  return { ok: true, atMs: Number(at) }
}

/**
 * Whether a target needs GetCursor + GetRecords per partition.
 * @public for the moves route, which is not written yet.
 */
export function isTimeTarget(
  to: MoveTarget
): to is Extract<MoveTarget, { type: 'timestamp' } | { type: 'duration' }> {
  return to.type === 'timestamp' || to.type === 'duration'
}
