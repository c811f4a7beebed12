import { ALLOW_PATTERN, type AllowRule, compileAllowRule, isAllowed } from './client'

/**
 * Checkpoints read as positions (docs/api.md "Reading checkpoints", docs/upstream.md): a
 * partition's retained range `[earliest, next]`, where a consumer will read next, and how far
 * behind it is.
 *
 * Sequence numbers are int64 (up to 9223372036854775807, far above 2^53): BigInt inside this
 * module, decimal strings at its edges, never a JS number. Pure: no I/O, no clock.
 */

/** The largest sequence number DIS can hand out (Java `long`). */
export const INT64_MAX = 9223372036854775807n

/**
 * A partition's retained range: `earliest` = oldest retained record, `next` = the next one's
 * number.
 */
export interface SequenceRange {
  earliest: bigint
  next: bigint
}

/** Why a `sequence_number_range` could not be read (never echoes the upstream text). */
export type RangeFailure =
  /** Not `[…]` at all: the official adapter reads this as "may not exist or is scaling". */
  | 'not_a_range'
  /** Bracketed, but not two numbers separated by `:`. */
  | 'malformed'
  /** A number above int64, or `earliest > next`. */
  | 'out_of_bounds'

export type RangeParse =
  | { ok: true; range: SequenceRange | null }
  | { ok: false; reason: RangeFailure }

const UPSTREAM_DIGITS = /^[0-9]{1,19}$/

/**
 * Reads DescribeStream's `partitions[].sequence_number_range`, e.g. `"[289911 : 289927]"`.
 * As Huawei's DIS Kafka adapter does: `null` (an EXPIRED partition) is no range, and an empty or
 * `null` first element is 0. Spaces around either number are tolerated; leading zeros too
 * (the value comes from DIS, not from a caller, and `007` is unambiguous).
 */
export function parseSequenceRange(raw: unknown): RangeParse {
  if (raw === null || raw === undefined) return { ok: true, range: null }
  if (typeof raw !== 'string' || !raw.startsWith('[')) return { ok: false, reason: 'not_a_range' }
  if (!raw.endsWith(']')) return { ok: false, reason: 'malformed' }
  const parts = raw.slice(1, -1).split(':')
  if (parts.length !== 2) return { ok: false, reason: 'malformed' }
  const first = (parts[0] as string).trim()
  const second = (parts[1] as string).trim()
  const earliest = first === '' || first === 'null' ? 0n : upstreamNumber(first)
  const next = upstreamNumber(second)
  if (earliest === 'malformed' || next === 'malformed') return { ok: false, reason: 'malformed' }
  if (earliest === 'too_big' || next === 'too_big' || earliest > next)
    return { ok: false, reason: 'out_of_bounds' }
  return { ok: true, range: { earliest, next } }
}

function upstreamNumber(text: string): bigint | 'malformed' | 'too_big' {
  if (!UPSTREAM_DIGITS.test(text)) return /^[0-9]+$/.test(text) ? 'too_big' : 'malformed'
  const value = BigInt(text)
  return value > INT64_MAX ? 'too_big' : value
}

/**
 * A checkpoint's sequence number as ShowCheckpoint gave it (digits, already read by the
 * upstream layer; `null` = nothing committed) as a BigInt. A value that is not int64 throws:
 * the upstream layer let something through that it should not have.
 */
export function checkpointNumber(sequenceNumber: string | null): bigint | null {
  if (sequenceNumber === null) return null
  if (!/^[0-9]{1,20}$/.test(sequenceNumber)) throw new RangeError('checkpoint is not a number')
  const value = BigInt(sequenceNumber)
  if (value > INT64_MAX) throw new RangeError('checkpoint is above int64')
  return value
}

/**
 * Where a consumer resumes (docs/api.md "Reading checkpoints"): apps that resume *at* their
 * checkpoint (Huawei's adapter, the default) read the checkpoint next; `RESUME_AFTER` apps read
 * checkpoint + 1. `null` without a checkpoint. For a `RESUME_AFTER` app at INT64_MAX the answer is
 * INT64_MAX + 1: a reported number only, which `committedFor` maps back to the checkpoint.
 */
export function positionOf(checkpoint: bigint | null, resumeAfter: boolean): bigint | null {
  if (checkpoint === null) return null
  return resumeAfter ? checkpoint + 1n : checkpoint
}

export type CommitFor =
  | { ok: true; committed: bigint }
  | { ok: false; code: 'position_not_expressible'; partition_id: string; message: string }

/**
 * The reverse of `positionOf`: the sequence number to commit so that the consumer reads P next.
 * A `RESUME_AFTER` app cannot be told to read record 0 (it would need checkpoint −1, which DIS
 * reads as "no checkpoint"): that partition is a caller error naming it (400).
 */
export function committedFor(
  position: bigint,
  resumeAfter: boolean,
  partitionId: string
): CommitFor {
  if (!resumeAfter) return { ok: true, committed: position }
  if (position <= 0n) {
    return {
      ok: false,
      code: 'position_not_expressible',
      partition_id: partitionId,
      message: `partition ${partitionId}: an app that resumes after its checkpoint cannot be moved to position ${position}`,
    }
  }
  return { ok: true, committed: position - 1n }
}

/** One partition as `GET /v1/checkpoints` shows it since version 3 (strings, never numbers). */
export interface PartitionPosition {
  status: string
  range: { earliest: string; next: string } | null
  position: string | null
  lag: string | null
}

/**
 * Lag = `next − position`, the records the consumer has still to read, as a decimal string.
 *
 * Clamped at 0 when the position is beyond `next` (a `RESUME_AFTER` app whose checkpoint is
 * `next`, or a range read just before a write landed): "nothing to read", not a negative count.
 * Not clamped below: a position older than `earliest` reports its full distance, as Kafka's
 * `kafka-consumer-groups` does for an offset that aged out; `positionState` says so apart.
 */
export function lagOf(position: bigint | null, range: SequenceRange | null): string | null {
  if (position === null || range === null) return null
  const lag = range.next - position
  return (lag < 0n ? 0n : lag).toString()
}

/** Where a position lies relative to the retained range. */
export type PositionState = 'none' | 'in_range' | 'before_earliest' | 'beyond_next'

/**
 * `before_earliest`: the records it would read next have aged out; Huawei's adapter then falls
 * back to its no-checkpoint start (LATEST by default). `beyond_next`: it waits for records.
 */
export function positionState(position: bigint | null, range: SequenceRange): PositionState {
  if (position === null) return 'none'
  if (position < range.earliest) return 'before_earliest'
  if (position > range.next) return 'beyond_next'
  return 'in_range'
}

/**
 * The version 3 members of one partition in `GET /v1/checkpoints`: `status` as DescribeStream
 * gave it, the range, the position and the lag, all int64 values as decimal strings.
 */
export function describePosition(input: {
  status: string
  range: SequenceRange | null
  checkpoint: string | null
  resumeAfter: boolean
}): PartitionPosition {
  const position = positionOf(checkpointNumber(input.checkpoint), input.resumeAfter)
  return {
    status: input.status,
    range: input.range
      ? { earliest: input.range.earliest.toString(), next: input.range.next.toString() }
      : null,
    position: position === null ? null : position.toString(),
    lag: lagOf(position, input.range),
  }
}

/** The default: no app resumes after its checkpoint (one function, so configurations compare). */
const NO_APP = () => false

export type ResumeAfterParse =
  | { ok: true; resumesAfter: (stream: string, app: string) => boolean }
  | { ok: false; error: string }

/**
 * Reads `RESUME_AFTER` (README "Configuration"): comma-separated `stream/app` patterns naming the
 * apps that resume *after* their checkpoint; empty or unset = none (every app resumes *at* it,
 * as Huawei's adapter does). Spaces around an item are tolerated; an empty item (`a/b,,c/d`, a
 * trailing comma) or one that is not a pattern fails the whole setting: guessing would move a
 * consumer by one record. The error names the item's position, not its text (config messages
 * never echo values).
 */
export function parseResumeAfter(raw: string | undefined): ResumeAfterParse {
  const text = (raw ?? '').trim()
  if (text === '') return { ok: true, resumesAfter: NO_APP }
  const rules: AllowRule[] = []
  const items = text.split(',')
  for (const [index, item] of items.entries()) {
    const pattern = item.trim()
    if (!ALLOW_PATTERN.test(pattern)) {
      return {
        ok: false,
        error: `RESUME_AFTER item ${index + 1} of ${items.length} is not a stream/app pattern (names of A-Z a-z 0-9 _ -, each half * or a name with an optional trailing *)`,
      }
    }
    rules.push(compileAllowRule(pattern))
  }
  return { ok: true, resumesAfter: (stream, app) => isAllowed(rules, stream, app) }
}
