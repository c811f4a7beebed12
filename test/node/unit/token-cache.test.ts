import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/problems'
import { createTokenCache } from '../../../src/token/cache'
import type { IssuedToken } from '../../../src/upstream/context'

/** A manual clock: sleeping advances time, so waiting logic runs instantly and deterministically. */
function fakeClock(start = 1_000_000) {
  let now = start
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
    sleep: async (ms: number) => {
      now += ms
      await Promise.resolve()
    },
  }
}

const HOUR = 3_600_000

function setup(overrides: { refreshAheadMs?: number } = {}) {
  const clock = fakeClock()
  const cache = createTokenCache({
    now: clock.now,
    sleep: clock.sleep,
    staleFetchMs: 5_000,
    ...overrides,
  })
  let calls = 0
  const issue =
    (lifetimeMs = 24 * HOUR) =>
    async (): Promise<IssuedToken> => {
      calls++
      return { token: `token-${calls}`, issuedAt: clock.now(), expiresAt: clock.now() + lifetimeMs }
    }
  return { clock, cache, issue, calls: () => calls }
}

describe('token cache', () => {
  it('fetches once, then serves the cached value', async () => {
    const { cache, issue, calls, clock } = setup()
    const deadline = clock.now() + 10_000
    expect(await cache.get(issue(), deadline)).toMatchObject({ token: 'token-1', source: 'fetch' })
    expect(await cache.get(issue(), deadline)).toMatchObject({ token: 'token-1', source: 'cache' })
    expect(calls()).toBe(1)
  })

  it('refreshes 5 minutes before expires_at, not after an assumed 24 h', async () => {
    const { cache, issue, calls, clock } = setup()
    await cache.get(issue(2 * HOUR), clock.now() + 10_000)
    clock.advance(2 * HOUR - 5 * 60_000 - 1)
    expect((await cache.get(issue(2 * HOUR), clock.now() + 10_000)).source).toBe('cache')
    clock.advance(2)
    expect(await cache.get(issue(2 * HOUR), clock.now() + 10_000)).toMatchObject({
      token: 'token-2',
      source: 'fetch',
    })
    expect(calls()).toBe(2)
  })

  it('refreshes a short-lived token at half its lifetime', async () => {
    const { cache, issue, clock } = setup()
    await cache.get(issue(60_000), clock.now() + 10_000)
    clock.advance(29_000)
    expect((await cache.get(issue(60_000), clock.now() + 10_000)).source).toBe('cache')
    clock.advance(2_000)
    expect((await cache.get(issue(60_000), clock.now() + 10_000)).source).toBe('fetch')
  })

  it('invalidate drops only the current token', async () => {
    const { cache, issue, clock, calls } = setup()
    await cache.get(issue(), clock.now() + 10_000)
    cache.invalidate('some-other-token')
    expect((await cache.get(issue(), clock.now() + 10_000)).source).toBe('cache')
    cache.invalidate('token-1')
    expect(await cache.get(issue(), clock.now() + 10_000)).toMatchObject({
      token: 'token-2',
      source: 'fetch',
    })
    expect(calls()).toBe(2)
  })

  it('a cold burst makes one fetch; the others wait for its value', async () => {
    const { cache, clock } = setup()
    let calls = 0
    const slowIssue = async (): Promise<IssuedToken> => {
      calls++
      await clock.sleep(40)
      return { token: 'shared-token', issuedAt: clock.now(), expiresAt: clock.now() + HOUR }
    }
    const results = await Promise.all(
      Array.from({ length: 50 }, () => cache.get(slowIssue, clock.now() + 10_000))
    )
    expect(calls).toBe(1)
    expect(new Set(results.map((r) => r.token))).toEqual(new Set(['shared-token']))
    expect(results.filter((r) => r.source === 'fetch')).toHaveLength(1)
  })

  it("waiters share the leader's failure instead of each calling IAM", async () => {
    const { cache, clock } = setup()
    let calls = 0
    const failing = async (): Promise<IssuedToken> => {
      calls++
      await clock.sleep(20)
      throw new AppError('upstream_unavailable')
    }
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => cache.get(failing, clock.now() + 10_000))
    )
    expect(calls).toBe(1)
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
  })

  it('after IAM refused our credentials, fails fast for the cooldown, then tries again', async () => {
    const { cache, clock } = setup()
    let calls = 0
    const refused = async (): Promise<IssuedToken> => {
      calls++
      throw new AppError('upstream_auth_failed')
    }
    await expect(cache.get(refused, clock.now() + 10_000)).rejects.toThrow(AppError)
    await expect(cache.get(refused, clock.now() + 10_000)).rejects.toThrow(AppError)
    clock.advance(29_999)
    await expect(cache.get(refused, clock.now() + 10_000)).rejects.toThrow(AppError)
    expect(calls).toBe(1)
    clock.advance(1)
    await expect(cache.get(refused, clock.now() + 10_000)).rejects.toThrow(AppError)
    expect(calls).toBe(2)
  })

  it('takes over from a leader that vanished (its request was cancelled)', async () => {
    const { cache, clock } = setup()
    const never = () => new Promise<IssuedToken>(() => undefined)
    void cache.get(never, clock.now() + 60_000)
    let calls = 0
    const issue = async (): Promise<IssuedToken> => {
      calls++
      return { token: 'rescued', issuedAt: clock.now(), expiresAt: clock.now() + HOUR }
    }
    expect(await cache.get(issue, clock.now() + 60_000)).toMatchObject({
      token: 'rescued',
      source: 'fetch',
    })
    expect(calls).toBe(1)
  })

  it('a waiter gives up at its deadline', async () => {
    const { cache, clock } = setup()
    void cache.get(() => new Promise<IssuedToken>(() => undefined), clock.now() + 60_000)
    await expect(
      cache.get(
        async () => ({ token: 'x', issuedAt: clock.now(), expiresAt: 0 }),
        clock.now() + 100
      )
    ).rejects.toMatchObject({
      code: 'upstream_timeout',
    })
  })

  it('while a refresh is in flight, others keep using the still-valid token', async () => {
    const { cache, clock } = setup()
    await cache.get(
      async () => ({ token: 'old', issuedAt: clock.now(), expiresAt: clock.now() + HOUR }),
      clock.now() + 10_000
    )
    clock.advance(HOUR - 60_000) // due for refresh, still valid for a minute
    void cache.get(() => new Promise<IssuedToken>(() => undefined), clock.now() + 10_000)
    expect(
      await cache.get(
        async () => ({ token: 'new', issuedAt: clock.now(), expiresAt: 0 }),
        clock.now() + 10_000
      )
    ).toMatchObject({
      token: 'old',
      source: 'cache',
    })
  })

  it('a tripped breaker fails fast for 30 s, then lets one fetch through', async () => {
    const { cache, issue, calls, clock } = setup()
    await cache.get(issue(), clock.now() + 10_000)
    const refusal = new AppError('upstream_auth_failed', {
      detail: 'DIS rejected the gateway token',
    })
    cache.tripBreaker(refusal)
    await expect(cache.get(issue(), clock.now() + 10_000)).rejects.toBe(refusal)
    clock.advance(29_999)
    await expect(cache.get(issue(), clock.now() + 10_000)).rejects.toBe(refusal)
    expect(calls()).toBe(1)
    clock.advance(1)
    expect((await cache.get(issue(), clock.now() + 10_000)).token).toBe('token-2')
    expect(calls()).toBe(2)
  })

  it('a lease carries when the token was issued, so a caller can tell a fresh token', async () => {
    const { cache, issue, clock } = setup()
    const issuedAt = clock.now()
    await cache.get(issue(), clock.now() + 10_000)
    clock.advance(60_000)
    expect(await cache.get(issue(), clock.now() + 10_000)).toEqual({
      token: 'token-1',
      source: 'cache',
      issuedAt,
    })
  })

  it("a breaker tripped with the broker's end stays open until then, not 30 s from now", async () => {
    const { cache, issue, calls, clock } = setup()
    const refusal = new AppError('upstream_auth_failed')
    // The broker tripped 20 s ago: 10 s of its cool-down are left.
    cache.tripBreaker(refusal, clock.now() + 10_000)
    clock.advance(9_999)
    await expect(cache.get(issue(), clock.now() + 10_000)).rejects.toBe(refusal)
    clock.advance(1)
    expect((await cache.get(issue(), clock.now() + 10_000)).token).toBe('token-1')
    expect(calls()).toBe(1)
  })

  it("a refusal the supply reported with the broker's end is not extended to 30 s", async () => {
    const { cache, clock } = setup()
    let calls = 0
    const refused = async (): Promise<IssuedToken> => {
      calls++
      const error = new AppError('upstream_auth_failed')
      cache.tripBreaker(error, clock.now() + 5_000)
      throw error
    }
    await expect(cache.get(refused, clock.now() + 10_000)).rejects.toThrow(AppError)
    clock.advance(5_000)
    await expect(cache.get(refused, clock.now() + 10_000)).rejects.toThrow(AppError)
    expect(calls).toBe(2)
  })

  it('an identity check runs once for concurrent callers and is kept until it expires', async () => {
    const { cache, clock } = setup()
    let checks = 0
    const check = async () => {
      checks++
      await clock.sleep(50)
      return { verdict: 'accepted' as const, until: clock.now() + 30_000 }
    }
    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.confirm('t', check, clock.now() + 10_000))
    )
    expect(checks).toBe(1)
    expect(new Set(results.map((r) => r.verdict))).toEqual(new Set(['accepted']))
    expect(cache.checked('t')?.verdict).toBe('accepted')
    expect(cache.checked('another token')).toBeUndefined()
    clock.advance(30_000)
    expect(cache.checked('t')).toBeUndefined()
    await cache.confirm('t', check, clock.now() + 10_000)
    expect(checks).toBe(2)
  })
})
