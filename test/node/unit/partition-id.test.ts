import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  canonicalPartitionId,
  MAX_PARTITION,
  partitionSelector,
} from '../../../src/model/checkpoint-target'
import { OUT_OF_RANGE_PARTITION_IDS } from '../../support/inputs'

const CANONICAL = /^shardId-[0-9]{10}$/

describe('canonicalPartitionId', () => {
  it.each([
    ['0', 'shardId-0000000000'],
    ['7', 'shardId-0000000007'],
    ['007', 'shardId-0000000007'],
    ['2147483647', 'shardId-2147483647'],
    ['0000000000', 'shardId-0000000000'],
    ['0002147483', 'shardId-0002147483'],
    ['shardId-7', 'shardId-0000000007'],
    ['shardId-0000000007', 'shardId-0000000007'],
    ['shardId-2147483647', 'shardId-2147483647'],
    ['shardId-0000000000', 'shardId-0000000000'],
  ])('accepts %j as %s', (input, canonical) => {
    expect(canonicalPartitionId(input)).toBe(canonical)
  })

  it.each([0, 7, 42, 2_147_483_647])('accepts the JSON integer %d', (n) => {
    expect(canonicalPartitionId(n)).toBe(`shardId-${String(n).padStart(10, '0')}`)
  })

  it.each([
    '',
    ' ',
    ' 7',
    '7 ',
    '+7',
    '-7',
    '-0',
    '1e3',
    '0x1',
    '0b1',
    '7.0',
    '1_000',
    '12345678901',
    'shardid-7',
    'SHARDID-7',
    'ShardId-7',
    'shardId_7',
    'shardId-',
    'shardId--7',
    'shardId-+7',
    'shardId-12345678901',
    'shardId-7 ',
    'shardId-0000000007\n',
    '7\n',
    '٣',
    '７',
    'shardId-７',
    '%37',
    'shardId%2D7',
    'all ',
    'null',
    'NaN',
    'Infinity',
    '𝟕',
    '\u0000',
    '7\u0000',
    // DIS partition ids are 32-bit: n ≤ 2147483647 (README "Parameters").
    ...OUT_OF_RANGE_PARTITION_IDS,
  ])('rejects %j', (input) => {
    expect(canonicalPartitionId(input)).toBeUndefined()
  })

  it.each([
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2_147_483_648,
    4_294_967_296,
    9_999_999_999,
    10_000_000_000,
    2 ** 53,
  ])('rejects the JSON number %d', (n) => {
    expect(canonicalPartitionId(n)).toBeUndefined()
  })

  it.each([null, undefined, true, {}, [], ['7']])('rejects the non-string %j', (input) => {
    expect(canonicalPartitionId(input)).toBeUndefined()
  })
})

describe('canonicalPartitionId properties', () => {
  const digitString = fc.stringMatching(/^[0-9]{1,10}$/)

  it('a digit string is accepted exactly when its number fits 32 bits, keeping that number', () => {
    fc.assert(
      fc.property(digitString, (digits) => {
        const canonical = canonicalPartitionId(digits)
        expect(canonicalPartitionId(`shardId-${digits}`)).toBe(canonical)
        if (BigInt(digits) > 2_147_483_647n) {
          expect(canonical).toBeUndefined()
        } else {
          expect(canonical).toMatch(CANONICAL)
          expect(BigInt(canonical?.slice(8) ?? 'x')).toBe(BigInt(digits))
        }
      }),
      { numRuns: 2_000 }
    )
  })

  it('the boundary: every number around 2^31 - 1, in every form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2_147_483_647 - 1_000, max: 2_147_483_647 + 1_000 }), (n) => {
        const accepted = n <= 2_147_483_647
        for (const form of [n, String(n), `shardId-${n}`, `shardId-${String(n).padStart(10, '0')}`])
          expect(canonicalPartitionId(form) !== undefined, String(form)).toBe(accepted)
      })
    )
    expect(MAX_PARTITION).toBe(2 ** 31 - 1)
  })

  it('any JSON number is accepted exactly when it is an integer in [0, 2^31 - 1]', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.constant(-0)), (n) => {
        const accepted = Number.isInteger(n) && n >= 0 && n <= 2_147_483_647
        expect(canonicalPartitionId(n) !== undefined).toBe(accepted)
      }),
      { numRuns: 2_000 }
    )
  })

  it('partitionSelector is canonicalPartitionId plus the word all, and is idempotent', () => {
    expect(partitionSelector('all')).toBe('all')
    fc.assert(
      fc.property(fc.oneof(digitString, fc.string({ maxLength: 14 }), fc.integer()), (input) => {
        const selected = partitionSelector(input)
        if (input !== 'all') expect(selected).toBe(canonicalPartitionId(input))
        if (selected !== undefined) expect(partitionSelector(selected)).toBe(selected)
      })
    )
  })

  it('round-trips: the canonical form, its short form and shardId-<short> all map to themselves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_147_483_647 }), (n) => {
        const canonical = canonicalPartitionId(n)
        expect(canonical).toMatch(CANONICAL)
        expect(canonicalPartitionId(canonical)).toBe(canonical)
        expect(canonicalPartitionId(String(n))).toBe(canonical)
        expect(canonicalPartitionId(`shardId-${n}`)).toBe(canonical)
      })
    )
  })

  it('any output is canonical, whatever the input string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (input) => {
        const canonical = canonicalPartitionId(input)
        if (canonical !== undefined) {
          expect(canonical).toMatch(CANONICAL)
          expect(input).toMatch(/^(shardId-)?[0-9]{1,10}$/)
        }
      }),
      { numRuns: 5_000 }
    )
  })

  it('a valid id with any character inserted is rejected', () => {
    const notDigit = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 1 })
      .filter((c) => !/[0-9]/.test(c))
    fc.assert(
      fc.property(digitString, notDigit, fc.nat(), (digits, extra, at) => {
        const position = at % (digits.length + 1)
        const mutated = digits.slice(0, position) + extra + digits.slice(position)
        expect(canonicalPartitionId(mutated)).toBeUndefined()
        expect(canonicalPartitionId(`shardId-${mutated}`)).toBeUndefined()
      })
    )
  })
})
