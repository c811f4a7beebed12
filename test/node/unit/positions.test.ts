import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareIfMatch, planDigestInput, planETag } from '../../../src/model/plan-etag'
import {
  checkpointNumber,
  committedFor,
  describePosition,
  INT64_MAX,
  lagOf,
  parseResumeAfter,
  parseSequenceRange,
  positionOf,
  positionState,
} from '../../../src/model/positions'

const ABOVE_2_53 = 9007199254740993n // 2^53 + 1: a JS number would read it as 2^53
const int64 = fc.bigInt({ min: 0n, max: INT64_MAX })

describe('parseSequenceRange', () => {
  it('reads the documented example and the bounds exactly', () => {
    expect(parseSequenceRange('[289911 : 289927]')).toEqual({
      ok: true,
      range: { earliest: 289911n, next: 289927n },
    })
    expect(parseSequenceRange('[9223372036854775000:9223372036854775807]')).toEqual({
      ok: true,
      range: { earliest: 9223372036854775000n, next: INT64_MAX },
    })
    expect(parseSequenceRange(`[  ${ABOVE_2_53}   :  ${ABOVE_2_53 + 2n} ]`)).toEqual({
      ok: true,
      range: { earliest: ABOVE_2_53, next: ABOVE_2_53 + 2n },
    })
  })

  it('treats null as no range and an empty or null first element as 0, as the adapter does', () => {
    expect(parseSequenceRange(null)).toEqual({ ok: true, range: null })
    expect(parseSequenceRange(undefined)).toEqual({ ok: true, range: null })
    expect(parseSequenceRange('[ : 12]')).toEqual({ ok: true, range: { earliest: 0n, next: 12n } })
    expect(parseSequenceRange('[null : 12]')).toEqual({
      ok: true,
      range: { earliest: 0n, next: 12n },
    })
  })

  it('fails with a typed reason on anything else', () => {
    for (const raw of ['', '289911 : 289927', ' [1 : 2]', 5, {}, ['[1 : 2]']])
      expect(parseSequenceRange(raw)).toEqual({ ok: false, reason: 'not_a_range' })
    for (const raw of [
      '[1 : 2',
      '[1 : 2 : 3]',
      '[1 2]',
      '[-1 : 5]',
      '[1 : ]',
      '[1 : null]',
      '[1.0 : 2]',
      '[0x1 : 2]',
    ])
      expect(parseSequenceRange(raw)).toEqual({ ok: false, reason: 'malformed' })
    for (const raw of ['[0 : 9223372036854775808]', '[5 : 3]', `[0 : ${'9'.repeat(30)}]`])
      expect(parseSequenceRange(raw)).toEqual({ ok: false, reason: 'out_of_bounds' })
  })

  it('round-trips every int64 range, whatever the spacing (property)', () => {
    const space = fc.constantFrom('', ' ', '  ', '\t')
    fc.assert(
      fc.property(int64, int64, space, space, space, space, (a, b, s1, s2, s3, s4) => {
        const [earliest, next] = a <= b ? [a, b] : [b, a]
        const raw = `[${s1}${earliest}${s2}:${s3}${next}${s4}]`
        expect(parseSequenceRange(raw)).toEqual({ ok: true, range: { earliest, next } })
      })
    )
  })

  it('never throws on untrusted text, and what it accepts is an int64 range (property)', () => {
    const text = fc.oneof(
      fc.string(),
      fc.tuple(fc.string(), fc.string()).map(([a, b]) => `[${a}:${b}]`),
      fc.tuple(fc.bigInt(), fc.bigInt()).map(([a, b]) => `[${a} : ${b}]`)
    )
    fc.assert(
      fc.property(text, (raw) => {
        const result = parseSequenceRange(raw)
        if (result.ok && result.range) {
          expect(result.range.earliest).toBeGreaterThanOrEqual(0n)
          expect(result.range.earliest).toBeLessThanOrEqual(result.range.next)
          expect(result.range.next).toBeLessThanOrEqual(INT64_MAX)
        }
      })
    )
  })
})

describe('positions and commits', () => {
  it('reads a checkpoint exactly above 2^53 and refuses what is not int64', () => {
    expect(checkpointNumber(String(ABOVE_2_53))).toBe(ABOVE_2_53)
    expect(checkpointNumber('9223372036854775807')).toBe(INT64_MAX)
    expect(checkpointNumber(null)).toBeNull()
    expect(() => checkpointNumber('9223372036854775808')).toThrow(RangeError)
    expect(() => checkpointNumber('-1')).toThrow(RangeError)
  })

  it('puts AT apps at their checkpoint and RESUME_AFTER apps one past it', () => {
    expect(positionOf(ABOVE_2_53, false)).toBe(ABOVE_2_53)
    expect(positionOf(ABOVE_2_53, true)).toBe(ABOVE_2_53 + 1n)
    expect(positionOf(null, true)).toBeNull()
  })

  it('commits P for AT apps and P - 1 for RESUME_AFTER apps, inverse of positionOf (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: INT64_MAX }), fc.boolean(), (p, after) => {
        const commit = committedFor(p, after, 'shardId-0000000003')
        expect(commit).toEqual({ ok: true, committed: after ? p - 1n : p })
        if (commit.ok) expect(positionOf(commit.committed, after)).toBe(p)
      })
    )
    expect(committedFor(0n, false, 'shardId-0000000003')).toEqual({ ok: true, committed: 0n })
  })

  it('refuses position 0 for a RESUME_AFTER app, naming the partition', () => {
    const commit = committedFor(0n, true, 'shardId-0000000003')
    expect(commit).toMatchObject({ ok: false, code: 'position_not_expressible' })
    expect(commit.ok ? '' : commit.message).toContain('shardId-0000000003')
  })

  it('answers status, range, position and lag as strings, exact above 2^53', () => {
    const range = { earliest: ABOVE_2_53 - 3n, next: ABOVE_2_53 + 7n }
    const at = describePosition({
      status: 'ACTIVE',
      range,
      checkpoint: String(ABOVE_2_53),
      resumeAfter: false,
    })
    expect(at).toEqual({
      status: 'ACTIVE',
      range: { earliest: '9007199254740990', next: '9007199254741000' },
      position: '9007199254740993',
      lag: '7',
    })
    const after = describePosition({
      status: 'ACTIVE',
      range,
      checkpoint: String(ABOVE_2_53),
      resumeAfter: true,
    })
    expect(after).toMatchObject({ position: '9007199254740994', lag: '6' })
    expect(
      describePosition({ status: 'DELETED', range, checkpoint: null, resumeAfter: false })
    ).toEqual({ status: 'DELETED', range: at.range, position: null, lag: null })
    expect(
      describePosition({ status: 'EXPIRED', range: null, checkpoint: '5', resumeAfter: false })
    ).toEqual({ status: 'EXPIRED', range: null, position: '5', lag: null })
    expect(
      describePosition({
        status: 'ACTIVE',
        range: { earliest: 0n, next: INT64_MAX },
        checkpoint: '0',
        resumeAfter: false,
      }).lag
    ).toBe('9223372036854775807')
  })

  it('clamps lag at 0 beyond next, reports the full distance before earliest', () => {
    const range = { earliest: 100n, next: 200n }
    expect(lagOf(201n, range)).toBe('0') // RESUME_AFTER app whose checkpoint is next
    expect(positionState(201n, range)).toBe('beyond_next')
    expect(lagOf(40n, range)).toBe('160')
    expect(positionState(40n, range)).toBe('before_earliest')
    expect(positionState(100n, range)).toBe('in_range')
    expect(positionState(200n, range)).toBe('in_range')
    expect(positionState(null, range)).toBe('none')
  })
})

describe('parseResumeAfter', () => {
  it('names no app when empty or unset', () => {
    for (const raw of [undefined, '', '   ']) {
      const parsed = parseResumeAfter(raw)
      expect(parsed.ok && parsed.resumesAfter('orders', 'billing')).toBe(false)
    }
  })

  it('matches exact names, * and prefixes, per half, across items', () => {
    const parsed = parseResumeAfter(' orders/billing ,events/audit-*,*/legacy')
    if (!parsed.ok) throw new Error(parsed.error)
    const { resumesAfter } = parsed
    expect(resumesAfter('orders', 'billing')).toBe(true)
    expect(resumesAfter('orders', 'billing2')).toBe(false)
    expect(resumesAfter('orders2', 'billing')).toBe(false)
    expect(resumesAfter('events', 'audit-')).toBe(true)
    expect(resumesAfter('events', 'audit-v2')).toBe(true)
    expect(resumesAfter('events', 'audit')).toBe(false)
    expect(resumesAfter('anything', 'legacy')).toBe(true)
    expect(resumesAfter('anything', 'legacy-2')).toBe(false)
  })

  it('fails the whole setting on a bad item, by position and without echoing it', () => {
    for (const raw of [
      ',',
      'a/b,',
      'a/b,,c/d',
      'orders',
      'a/b/c',
      'a*b/c',
      '/x',
      'x/',
      '**/x',
      `${'s'.repeat(65)}/a`,
      `s/${'a'.repeat(51)}`,
      'ord ers/x',
      'ördérs/x',
    ]) {
      const parsed = parseResumeAfter(raw)
      expect(parsed.ok, raw).toBe(false)
      if (!parsed.ok) expect(parsed.error).toMatch(/^RESUME_AFTER item \d+ of \d+ /)
    }
    const parsed = parseResumeAfter('orders/billing,sk_live_leaky')
    expect(parsed).toEqual({ ok: false, error: expect.stringContaining('item 2 of 2') })
    expect(JSON.stringify(parsed)).not.toContain('sk_live_leaky')
  })

  it('agrees with a literal reading of the grammar (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/)
    const half = fc.oneof(
      fc.constant({ text: '*', matches: (_: string) => true }),
      name.map((n) => ({ text: n, matches: (x: string) => x === n })),
      name.map((n) => ({ text: `${n}*`, matches: (x: string) => x.startsWith(n) }))
    )
    fc.assert(
      fc.property(
        fc.array(fc.tuple(half, half), { minLength: 1, maxLength: 4 }),
        name,
        name,
        (rules, s, a) => {
          const parsed = parseResumeAfter(rules.map(([x, y]) => `${x.text}/${y.text}`).join(','))
          if (!parsed.ok) throw new Error(parsed.error)
          expect(parsed.resumesAfter(s, a)).toBe(
            rules.some(([x, y]) => x.matches(s) && y.matches(a))
          )
        }
      )
    )
  })
})

describe('plan ETag', () => {
  const plan = {
    stream_name: 'orders',
    app_name: 'billing',
    partitions: [
      { partition_id: 'shardId-0000000001', sequence_number: String(ABOVE_2_53) },
      { partition_id: 'shardId-0000000000', sequence_number: null },
    ],
  }

  it('is a strong quoted SHA-256 of the canonical input (checked against node:crypto)', async () => {
    const expected = createHash('sha256').update(planDigestInput(plan)).digest('hex')
    expect(await planETag(plan)).toBe(`"${expected}"`)
    expect(await planETag(plan)).toMatch(/^"[0-9a-f]{64}"$/)
  })

  it('ignores partition order and how a number was written', async () => {
    const reordered = { ...plan, partitions: [...plan.partitions].reverse() }
    const padded = {
      ...plan,
      partitions: [
        { partition_id: 'shardId-0000000001', sequence_number: `000${ABOVE_2_53}` },
        { partition_id: 'shardId-0000000000', sequence_number: null },
      ],
    }
    expect(await planETag(reordered)).toBe(await planETag(plan))
    expect(await planETag(padded)).toBe(await planETag(plan))
  })

  it('changes when any checkpoint moves by one, appears, or the stream, app or source differ', async () => {
    const base = await planETag(plan)
    const variants = [
      {
        ...plan,
        partitions: [
          plan.partitions[0],
          { partition_id: 'shardId-0000000000', sequence_number: '0' },
        ],
      },
      {
        ...plan,
        partitions: [
          { partition_id: 'shardId-0000000001', sequence_number: String(ABOVE_2_53 + 1n) },
          plan.partitions[1],
        ],
      },
      { ...plan, partitions: plan.partitions.slice(0, 1) },
      { ...plan, stream_name: 'orders2' },
      { ...plan, app_name: 'billing2' },
      { ...plan, source: { app_name: 'billing-v1', partitions: [] } },
    ]
    const tags = await Promise.all(variants.map((v) => planETag(v as typeof plan)))
    expect(new Set([base, ...tags]).size).toBe(variants.length + 1)
    const withSource = (seq: string) => ({
      ...plan,
      source: {
        app_name: 'billing-v1',
        partitions: [{ partition_id: 'shardId-0000000000', sequence_number: seq }],
      },
    })
    expect(await planETag(withSource('5'))).not.toBe(await planETag(withSource('6')))
  })

  it('refuses a partition listed twice', () => {
    expect(() =>
      planDigestInput({
        ...plan,
        partitions: [plan.partitions[0], plan.partitions[0]] as typeof plan.partitions,
      })
    ).toThrow(/listed twice/)
  })

  it('compares If-Match strongly, over a list, with * and malformed headers told apart', () => {
    const tag = '"4f2a"'
    expect(compareIfMatch(tag, tag)).toBe('match')
    expect(compareIfMatch(`"x", ${tag}`, tag)).toBe('match')
    expect(compareIfMatch(` , "a,b" ,${tag},`, tag)).toBe('match')
    expect(compareIfMatch('*', tag)).toBe('match')
    expect(compareIfMatch(`W/${tag}`, tag)).toBe('mismatch')
    expect(compareIfMatch('"4f2b"', tag)).toBe('mismatch')
    for (const header of ['', ' , ', '4f2a', `${tag} x`, '"unterminated', `${tag};`, 'W/', '**'])
      expect(compareIfMatch(header, tag), header).toBe('malformed')
  })

  it('finds its tag in any well-formed list (property)', () => {
    const etagc = fc.stringMatching(/^[\x21\x23-\x7e]{0,12}$/)
    const other = fc.tuple(fc.boolean(), etagc).map(([weak, t]) => `${weak ? 'W/' : ''}"${t}"`)
    fc.assert(
      fc.property(fc.array(other, { maxLength: 5 }), fc.nat(5), etagc, (others, at, t) => {
        const current = `"${t}"`
        const list = [...others]
        list.splice(Math.min(at, list.length), 0, current)
        expect(compareIfMatch(list.join(' , '), current)).toBe('match')
        const without = others.filter((o) => o !== current)
        if (without.length > 0) expect(compareIfMatch(without.join(','), current)).toBe('mismatch')
      })
    )
  })
})
