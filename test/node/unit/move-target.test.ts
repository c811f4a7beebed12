import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  describePages,
  maxPartitions,
  type PartitionFacts,
  resolvePartition,
  subrequestsPerPartition,
  type TargetFacts,
} from '../../../src/model/move-resolution'
import {
  MOVE_TARGET_TYPES,
  parseDuration,
  parseMoveRequest,
  parseSequenceNumber,
  parseShiftBy,
  parseTimestamp,
  targetInstant,
} from '../../../src/model/move-target'
import { INT64_MAX } from '../../../src/model/positions'

const ABOVE_2_53 = 9007199254740993n
const NOW = Date.parse('2026-12-04T12:00:00Z')
/** A JSON number as the body decoder keeps it: its source text. */
const num = (source: string) => ({ source })

const errorsOf = (body: { to?: unknown; out_of_range?: unknown }) => {
  const parsed = parseMoveRequest(body)
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(body.to)}`)
  return parsed.errors
}

describe('parseMoveRequest', () => {
  it('accepts the eight targets of the README, echoable as JSON', () => {
    const examples = [
      { type: 'earliest' },
      { type: 'latest' },
      { type: 'timestamp', timestamp: '2026-12-04T09:30:00+08:00' },
      { type: 'duration', duration: 'PT1H30M' },
      { type: 'sequence_number', sequence_number: '12345' },
      { type: 'shift_by', shift_by: num('-500') },
      { type: 'app', app_name: 'billing-v1' },
      { type: 'delete' },
    ]
    expect(examples.map((to) => to.type)).toEqual([...MOVE_TARGET_TYPES])
    for (const to of examples) {
      const parsed = parseMoveRequest({ to })
      expect(parsed).toEqual({
        ok: true,
        to: to.type === 'shift_by' ? { type: 'shift_by', shift_by: -500 } : to,
        outOfRange: 'reject',
      })
    }
    expect(parseMoveRequest({ to: { type: 'latest' }, out_of_range: 'clamp' })).toMatchObject({
      ok: true,
      outOfRange: 'clamp',
    })
  })

  it('names unknown members (escaped, clipped), unknown types and missing fields', () => {
    expect(errorsOf({ to: { type: 'earliest', sequence_number: '5' } })).toEqual([
      { field: 'to.sequence_number', message: 'is not a known member for this type' },
    ])
    expect(errorsOf({ to: { type: 'earliest', 'a\nb': 1 } })[0]?.field).toBe('to.a\\u000ab')
    expect(errorsOf({ to: { type: 'earliest', ['k'.repeat(500)]: 1 } })[0]?.field).toHaveLength(
      3 + 64 + 1
    )
    expect(errorsOf({ to: { type: 'to-datetime' } })).toEqual([
      {
        field: 'to.type',
        message:
          'type must be one of earliest, latest, timestamp, duration, sequence_number, shift_by, app, delete',
      },
    ])
    expect(errorsOf({ to: {} })[0]?.field).toBe('to.type')
    expect(errorsOf({})).toEqual([{ field: 'to', message: 'to is required' }])
    expect(errorsOf({ to: 'earliest' })).toEqual([{ field: 'to', message: 'to must be an object' }])
    expect(errorsOf({ to: { type: 'timestamp' } })).toEqual([
      { field: 'to.timestamp', message: 'timestamp is required' },
    ])
    expect(errorsOf({ to: { type: 'sequence_number', sequence_number: 12345 } })).toEqual([
      { field: 'to.sequence_number', message: 'sequence_number must be a string' },
    ])
    expect(errorsOf({ to: { type: 'app', app_name: 'a/b' } })[0]?.field).toBe('to.app_name')
    expect(errorsOf({ to: { type: 'latest' }, out_of_range: 'wrap' })).toEqual([
      { field: 'out_of_range', message: 'out_of_range must be reject or clamp' },
    ])
  })
})

describe('timestamps', () => {
  it('needs an offset or Z, and reads it exactly to the millisecond', () => {
    expect(parseTimestamp('2026-12-04T09:30:00+08:00')).toEqual({
      ok: true,
      value: Date.parse('2026-12-04T01:30:00Z'),
    })
    expect(parseTimestamp('2026-12-04t01:30:00.123456789z')).toEqual({
      ok: true,
      value: Date.parse('2026-12-04T01:30:00.123Z'),
    })
    expect(parseTimestamp('2026-12-04 01:30:00-00:30')).toEqual({
      ok: true,
      value: Date.parse('2026-12-04T02:00:00Z'),
    })
    const local = parseTimestamp('2026-12-04T09:30:00')
    expect(local).toEqual({ ok: false, message: expect.stringContaining('needs an offset') })
  })

  it('refuses what is not an RFC 3339 instant', () => {
    for (const text of [
      '2026-02-29T00:00:00Z',
      '2026-12-04T24:00:00Z',
      '2026-12-04T23:59:60Z',
      '2026-12-04T09:30:00+24:00',
      '2026-12-04T09:30Z',
      '2026-12-04',
      '1969-12-31T23:59:59Z',
      '1764811800000',
      ' 2026-12-04T09:30:00Z',
      '2026-12-04T09:30:00+0800',
    ])
      expect(parseTimestamp(text).ok, text).toBe(false)
    expect(parseTimestamp('2028-02-29T00:00:00Z').ok).toBe(true)
  })

  it('reads back every instant it could be given, in any offset (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 24 * 3_600_000, max: 253402214400000 - 24 * 3_600_000 }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (ms, offsetMinutes) => {
          const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23)
          const abs = Math.abs(offsetMinutes)
          const offset = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
          expect(parseTimestamp(local + offset)).toEqual({ ok: true, value: ms })
        }
      )
    )
  })

  it('refuses a time later than now; a duration is now minus it', () => {
    expect(
      targetInstant({ type: 'timestamp', timestamp: '2026-12-04T12:00:00.001Z' }, NOW)
    ).toEqual({
      ok: false,
      error: { field: 'to.timestamp', message: 'timestamp is later than now' },
    })
    expect(targetInstant({ type: 'timestamp', timestamp: '2026-12-04T12:00:00Z' }, NOW)).toEqual({
      ok: true,
      atMs: NOW,
    })
    expect(targetInstant({ type: 'duration', duration: 'PT1H30M' }, NOW)).toEqual({
      ok: true,
      atMs: NOW - 5_400_000,
    })
    expect(targetInstant({ type: 'duration', duration: 'P1DT12H0.5S' }, NOW)).toEqual({
      ok: true,
      atMs: NOW - 129_600_500,
    })
    expect(targetInstant({ type: 'duration', duration: 'P999999999D' }, NOW)).toEqual({
      ok: false,
      error: { field: 'to.duration', message: 'duration reaches before 1970' },
    })
  })
})

describe('durations', () => {
  it('accepts days, hours, minutes and seconds (3 decimals at most)', () => {
    expect(parseDuration('PT0S')).toEqual({ ok: true, value: 0n })
    expect(parseDuration('P2D')).toEqual({ ok: true, value: 172_800_000n })
    expect(parseDuration('PT0.25S')).toEqual({ ok: true, value: 250n })
    expect(parseDuration('P1DT1H1M1.001S')).toEqual({ ok: true, value: 90_061_001n })
  })

  it('refuses years, months and weeks by name, and any other form', () => {
    for (const text of ['P1Y', 'P1M', 'P2W', 'P1Y2M3DT4H'])
      expect(parseDuration(text)).toEqual({
        ok: false,
        message: expect.stringContaining('years, months or weeks'),
      })
    for (const text of [
      'P',
      'PT',
      'P1DT',
      'pt1h',
      'PT1.5H',
      'PT0.0001S',
      'PT1,5S',
      'P-1D',
      'PT1H1H',
      '1H',
      'PT1S ',
      'P1234567890D',
    ])
      expect(parseDuration(text), text).toEqual({
        ok: false,
        message: expect.stringContaining('ISO 8601'),
      })
  })

  it('sums its fields exactly (property)', () => {
    const n = fc.option(fc.nat(999_999_999), { nil: undefined })
    fc.assert(
      fc.property(n, n, n, n, (d, h, m, s) => {
        fc.pre([d, h, m, s].some((x) => x !== undefined))
        const time = `${h === undefined ? '' : `${h}H`}${m === undefined ? '' : `${m}M`}${s === undefined ? '' : `${s}S`}`
        const text = `P${d === undefined ? '' : `${d}D`}${time ? `T${time}` : ''}`
        const big = (x: number | undefined) => BigInt(x ?? 0)
        expect(parseDuration(text)).toEqual({
          ok: true,
          value: big(d) * 86_400_000n + big(h) * 3_600_000n + big(m) * 60_000n + big(s) * 1000n,
        })
      })
    )
  })
})

describe('sequence numbers and shifts', () => {
  it('accepts int64 decimal strings only, exactly', () => {
    expect(parseSequenceNumber('0')).toEqual({ ok: true, value: 0n })
    expect(parseSequenceNumber('9223372036854775807')).toEqual({ ok: true, value: INT64_MAX })
    expect(parseSequenceNumber(String(ABOVE_2_53))).toEqual({ ok: true, value: ABOVE_2_53 })
    for (const text of ['9223372036854775808', '-1', '+1', ' 1', '1 ', '01', '1.0', '1e3', '', '٣'])
      expect(parseSequenceNumber(text).ok, text).toBe(false)
  })

  it('round-trips every int64 and accepts nothing but canonical digits (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: INT64_MAX }), (n) => {
        expect(parseSequenceNumber(n.toString())).toEqual({ ok: true, value: n })
      })
    )
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseSequenceNumber(text)
        if (parsed.ok) expect(parsed.value.toString()).toBe(text)
      })
    )
  })

  it('takes shift_by as a BigInt or JSON integer text within ±10^15, never a bare number', () => {
    expect(parseShiftBy(num('-500'))).toEqual({ ok: true, value: -500n })
    expect(parseShiftBy(num('1000000000000000'))).toEqual({ ok: true, value: 10n ** 15n })
    expect(parseShiftBy(-(10n ** 15n))).toEqual({ ok: true, value: -(10n ** 15n) })
    expect(parseShiftBy(num('0'))).toEqual({ ok: true, value: 0n })
    for (const value of [
      num('1000000000000001'),
      num('-1000000000000001'),
      num('1.0'),
      num('1e3'),
      num('-0'),
      num('01'),
      num(`1${'0'.repeat(400)}`),
      10n ** 15n + 1n,
      500,
      '500',
      null,
      undefined,
    ])
      expect(parseShiftBy(value).ok, String(value)).toBe(false)
  })
})

describe('resolvePartition', () => {
  const range = { earliest: ABOVE_2_53, next: ABOVE_2_53 + 100n }
  const at = (checkpoint: bigint | null, resumeAfter = false): PartitionFacts => ({
    partition_id: 'shardId-0000000002',
    range,
    checkpoint,
    resumeAfter,
  })

  it('moves to earliest and latest; RESUME_AFTER apps commit P - 1', () => {
    expect(resolvePartition(at(null), { type: 'earliest' }, 'reject')).toEqual({
      ok: true,
      partition_id: 'shardId-0000000002',
      position: ABOVE_2_53,
      committed: ABOVE_2_53,
      unchanged: false,
      evidence: null,
    })
    expect(resolvePartition(at(null, true), { type: 'latest' }, 'reject')).toMatchObject({
      position: ABOVE_2_53 + 100n,
      committed: ABOVE_2_53 + 99n,
    })
  })

  it('is unchanged when the committed value is the current checkpoint', () => {
    expect(resolvePartition(at(ABOVE_2_53), { type: 'earliest' }, 'reject')).toMatchObject({
      unchanged: true,
    })
    expect(
      resolvePartition(at(ABOVE_2_53 + 99n, true), { type: 'latest' }, 'reject')
    ).toMatchObject({
      unchanged: true,
    })
  })

  it('refuses a position outside [earliest, next] naming range and P, or clamps it', () => {
    const beyond = { type: 'sequence_number', sequence_number: INT64_MAX } as const
    expect(resolvePartition(at(null), beyond, 'reject')).toEqual({
      ok: false,
      partition_id: 'shardId-0000000002',
      code: 'position_out_of_range',
      range,
      requested: INT64_MAX,
      message: expect.stringContaining('9223372036854775807'),
    })
    expect(resolvePartition(at(null), beyond, 'clamp')).toMatchObject({
      position: range.next,
      evidence: { clamped_from: '9223372036854775807' },
    })
    const shifted = resolvePartition(
      at(ABOVE_2_53 + 10n),
      { type: 'shift_by', shift_by: -(10n ** 15n) },
      'clamp'
    )
    expect(shifted).toMatchObject({
      position: range.earliest,
      evidence: { clamped_from: String(ABOVE_2_53 + 10n - 10n ** 15n) },
    })
  })

  it('shifts from the current position, and fails without a checkpoint', () => {
    expect(
      resolvePartition(at(ABOVE_2_53 + 50n, true), { type: 'shift_by', shift_by: -20n }, 'reject')
    ).toMatchObject({
      position: ABOVE_2_53 + 31n,
      committed: ABOVE_2_53 + 30n,
    })
    expect(resolvePartition(at(null), { type: 'shift_by', shift_by: 1n }, 'clamp')).toMatchObject({
      ok: false,
      code: 'no_checkpoint',
    })
  })

  it("copies another app's position, converting between conventions", () => {
    const source: TargetFacts = { type: 'app', checkpoint: ABOVE_2_53 + 7n, resumeAfter: true }
    expect(resolvePartition(at(null), source, 'reject')).toMatchObject({
      position: ABOVE_2_53 + 8n,
      committed: ABOVE_2_53 + 8n,
    })
    expect(
      resolvePartition(at(null), { type: 'app', checkpoint: null, resumeAfter: false }, 'clamp')
    ).toMatchObject({
      ok: false,
      code: 'no_checkpoint',
      message: expect.stringContaining('shardId-0000000002'),
    })
  })

  it('evidences time moves: the record found, none after T, or T before retention', () => {
    const atMs = Date.parse('2026-12-04T01:30:00Z')
    const found = { sequence_number: ABOVE_2_53 + 40n, timestamp: atMs + 17 }
    expect(resolvePartition(at(null), { type: 'time', atMs, found }, 'reject')).toMatchObject({
      position: ABOVE_2_53 + 40n,
      evidence: { record_timestamp: '2026-12-04T01:30:00.017Z' },
    })
    expect(
      resolvePartition(at(null), { type: 'time', atMs, found: 'no_record_after' }, 'reject')
    ).toMatchObject({
      position: range.next,
      evidence: { no_record_after: '2026-12-04T01:30:00.000Z' },
    })
    const old: TargetFacts = { type: 'time', atMs, found: 'before_retention' }
    expect(resolvePartition(at(null), old, 'reject')).toMatchObject({
      ok: false,
      code: 'position_out_of_range',
      requested: null,
      requested_timestamp: '2026-12-04T01:30:00.000Z',
    })
    expect(resolvePartition(at(null), old, 'clamp')).toMatchObject({
      position: range.earliest,
      evidence: { clamped_from: '2026-12-04T01:30:00.000Z' },
    })
  })

  it('refuses position 0 for a RESUME_AFTER app, naming the partition', () => {
    const zero = { ...at(null, true), range: { earliest: 0n, next: 10n } }
    expect(resolvePartition(zero, { type: 'earliest' }, 'reject')).toEqual({
      ok: false,
      partition_id: 'shardId-0000000002',
      code: 'position_not_expressible',
      message: expect.stringContaining('shardId-0000000002'),
    })
  })

  it('only ever commits within range under clamp, and rejects exactly what is outside (property)', () => {
    const int64 = fc.bigInt({ min: 0n, max: INT64_MAX })
    fc.assert(
      fc.property(
        int64,
        int64,
        int64,
        fc.option(int64, { nil: null }),
        fc.boolean(),
        (a, b, p, checkpoint, after) => {
          const [earliest, next] = a <= b ? [a, b] : [b, a]
          const facts = {
            partition_id: 'shardId-0000000000',
            range: { earliest, next },
            checkpoint,
            resumeAfter: after,
          }
          const target = { type: 'sequence_number', sequence_number: p } as const
          const clamped = resolvePartition(facts, target, 'clamp')
          const rejected = resolvePartition(facts, target, 'reject')
          const inRange = p >= earliest && p <= next
          if (clamped.ok) {
            const bound = p < earliest ? earliest : next
            expect(clamped.position).toBe(inRange ? p : bound)
            expect(clamped.committed).toBe(after ? clamped.position - 1n : clamped.position)
            expect(clamped.unchanged).toBe(clamped.committed === checkpoint)
            expect(clamped.evidence).toEqual(inRange ? null : { clamped_from: p.toString() })
          } else {
            expect(clamped.code).toBe('position_not_expressible')
            expect(after && clamped.ok === false).toBe(true)
          }
          if (!inRange)
            expect(rejected).toMatchObject({
              ok: false,
              code: 'position_out_of_range',
              requested: p,
            })
          else expect(rejected).toEqual(clamped)
        }
      )
    )
  })
})

describe('subrequest budget', () => {
  it('costs per partition as the README lists, verification included when on', () => {
    expect(subrequestsPerPartition('timestamp', 10)).toBe(6)
    expect(subrequestsPerPartition('duration', 0)).toBe(5)
    for (const type of ['earliest', 'latest', 'sequence_number', 'shift_by'] as const)
      expect(subrequestsPerPartition(type, 10)).toBe(4)
    expect(subrequestsPerPartition('app', 10)).toBe(5)
    expect(subrequestsPerPartition('delete', 10)).toBe(3)
    expect(subrequestsPerPartition('delete', 0)).toBe(2)
  })

  it('fits about 7 partitions of a time move on the Free plan, and names 0 when none fit', () => {
    const free = { subrequestLimit: 50, verifySeconds: 10, describePages: 1 }
    expect(maxPartitions({ ...free, type: 'timestamp' })).toBe(7)
    expect(maxPartitions({ ...free, type: 'earliest' })).toBe(11)
    expect(maxPartitions({ ...free, type: 'delete' })).toBe(15)
    expect(maxPartitions({ ...free, type: 'timestamp', subrequestLimit: 8 })).toBe(0)
    expect(
      maxPartitions({
        subrequestLimit: 10_000,
        verifySeconds: 0,
        describePages: describePages(2500),
        type: 'duration',
      })
    ).toBe(1999)
    expect([describePages(0), describePages(1000), describePages(1001)]).toEqual([1, 1, 2])
  })
})
