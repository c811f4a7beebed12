import { describe, expect, it } from 'vitest'
import { createReplayCache } from '../../../src/webhooks/replay-cache'

describe('replay cache', () => {
  const clock = () => {
    let now = 0
    return { now: () => now, advance: (ms: number) => (now += ms) }
  }

  it('stores a completed result until its TTL passes', () => {
    const c = clock()
    const cache = createReplayCache({ now: c.now })
    cache.begin('k', 1_000)
    expect(cache.lookup('k')).toBe('pending')
    cache.complete('k', { status: 200, body: '{}' }, 300_000)
    expect(cache.lookup('k')).toEqual({ status: 200, body: '{}' })
    c.advance(299_999)
    expect(cache.lookup('k')).toEqual({ status: 200, body: '{}' })
    c.advance(1)
    expect(cache.lookup('k')).toBeUndefined()
  })

  it('forgets an abandoned delivery so the retry is processed', () => {
    const cache = createReplayCache({ now: () => 0 })
    cache.begin('k', 1_000)
    cache.abandon('k')
    expect(cache.lookup('k')).toBeUndefined()
  })

  it('a pending marker of a cancelled request expires', () => {
    const c = clock()
    const cache = createReplayCache({ now: c.now })
    cache.begin('k', 1_000)
    c.advance(1_000)
    expect(cache.lookup('k')).toBeUndefined()
  })

  it('is bounded: the oldest entries are evicted first', () => {
    const cache = createReplayCache({ now: () => 0, maxEntries: 3 })
    for (const key of ['a', 'b', 'c', 'd']) cache.complete(key, { status: 200, body: key }, 60_000)
    expect(cache.size).toBe(3)
    expect(cache.lookup('a')).toBeUndefined()
    expect(cache.lookup('d')).toEqual({ status: 200, body: 'd' })
  })
})
