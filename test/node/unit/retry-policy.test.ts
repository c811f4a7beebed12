import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  nextRetryDelay,
  parseRetryAfter,
  retryAfterSeconds,
} from '../../../src/upstream/attempt'

const policy = DEFAULT_RETRY_POLICY
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0)

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(max, base·2^(n−1))) for any random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (retry, throttled, r) => {
          const base = throttled ? policy.throttledBaseDelayMs : policy.baseDelayMs
          const ceiling = Math.min(policy.maxDelayMs, base * 2 ** (retry - 1))
          const delay = backoffDelay(policy, retry, throttled, () => r)
          expect(delay).toBeGreaterThanOrEqual(0)
          expect(delay).toBeLessThan(Math.max(ceiling, 1))
        }
      )
    )
  })

  it('grows exponentially and is capped', () => {
    const top = () => 0.999999
    expect(backoffDelay(policy, 1, false, top)).toBe(99)
    expect(backoffDelay(policy, 2, false, top)).toBe(199)
    expect(backoffDelay(policy, 3, false, top)).toBe(399)
    expect(backoffDelay(policy, 10, false, top)).toBe(1999)
    expect(backoffDelay(policy, 1, true, top)).toBe(499)
  })
})

describe('nextRetryDelay', () => {
  const base = {
    policy,
    throttled: false,
    retryAfterMs: undefined,
    remainingMs: 8_000,
    random: () => 0.5,
  }

  it('allows at most maxAttempts attempts', () => {
    expect(nextRetryDelay({ ...base, attempts: 1 })).toBe(50)
    expect(nextRetryDelay({ ...base, attempts: 2 })).toBe(100)
    expect(nextRetryDelay({ ...base, attempts: 3 })).toBeUndefined()
  })

  it('honours Retry-After when it fits before the deadline', () => {
    expect(nextRetryDelay({ ...base, attempts: 1, retryAfterMs: 2_000 })).toBe(2_000)
  })

  it('gives up when Retry-After does not fit before the deadline', () => {
    expect(nextRetryDelay({ ...base, attempts: 1, retryAfterMs: 8_000 })).toBeUndefined()
    expect(nextRetryDelay({ ...base, attempts: 1, retryAfterMs: 7_800 })).toBeUndefined()
  })

  it('gives up when even the jitter leaves no time for an attempt', () => {
    expect(
      nextRetryDelay({ ...base, attempts: 1, remainingMs: 260, random: () => 0.999 })
    ).toBeUndefined()
    expect(nextRetryDelay({ ...base, attempts: 1, remainingMs: 300, random: () => 0 })).toBe(0)
  })
})

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  it.each([
    ['0', 0],
    ['3', 3_000],
    [' 120 ', 120_000],
    ['Sat, 28 Nov 2026 12:00:10 GMT', 10_000],
    ['Sat, 28 Nov 2026 11:59:00 GMT', 0],
  ])('parses %j', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms)
  })

  it.each([null, '', '-1', '1.5', '3s', '0x10', 'soon', '1e3', '9999999999', 'Sat, 28 Nov 2026'])(
    'ignores %j',
    (value) => {
      expect(parseRetryAfter(value, NOW)).toBeUndefined()
    }
  )

  it('never throws and never returns a negative or non-finite value', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const ms = parseRetryAfter(value, NOW)
        if (ms !== undefined) expect(Number.isFinite(ms) && ms >= 0).toBe(true)
      })
    )
  })
})

describe('retryAfterSeconds', () => {
  it('rounds up, clamps to 1..3600 and falls back', () => {
    expect(retryAfterSeconds(undefined, 5)).toBe('5')
    expect(retryAfterSeconds(0, 5)).toBe('1')
    expect(retryAfterSeconds(1_001, 5)).toBe('2')
    expect(retryAfterSeconds(10_000_000, 5)).toBe('3600')
  })
})
