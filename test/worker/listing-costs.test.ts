import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ListQuery, ResetLedger } from '../../src/ledger/ledger-object'
import { sha256Hex } from '../support/fixtures'
import { startGateway } from '../support/gateway'
import { report } from '../support/log-capture'
import { sqlCost } from '../support/sql-counters'

/**
 * Listing is bounded (README "Shared state"): `GET /v1/resets` reads O(limit + matches) rows for
 * every allow-pattern shape, never the whole ledger, measured with SQLite's own `rowsRead` on a
 * ledger of 3 000 entries where each client's entries are a small, old minority.
 */

const STREAMS = ['orders', 'ordinals', 'payments', 'users', 'clicks', 'events']
const APPS = ['billing', 'bills', 'audit', 'analytics', 'search', 'mail']
const ENTRIES = 3_000
const PAIRS = STREAMS.length * APPS.length
const ledgerStub = () => env.LEDGER.get(env.LEDGER.idFromName('ledger'))

beforeAll(async () => {
  // 3 000 entries round-robin over 36 pairs, then 1 000 newer ones on a pair nobody here may
  // see: a filtered scan newest first would read those before finding anything.
  await runInDurableObject(ledgerStub(), (_, state) => {
    const sql = state.storage.sql
    const far = Date.now() + 86_400_000
    for (let i = 0; i < ENTRIES + 1_000; i++) {
      const [stream, app] =
        i < ENTRIES
          ? [STREAMS[i % STREAMS.length], APPS[Math.floor(i / STREAMS.length) % APPS.length]]
          : ['clicks', 'mail']
      const resetId = `rst_${String(i).padStart(26, 'a')}`
      sql.exec(
        'INSERT INTO resets (reset_id, stream_name, app_name, expires_at, entry) VALUES (?, ?, ?, ?, ?)',
        resetId,
        stream,
        app,
        far,
        JSON.stringify({ reset_id: resetId, stream_name: stream, app_name: app, partitions: [] })
      )
    }
  })
})

/** 24 prefix patterns: over 100 bound parameters when each pattern became SQL. */
const PREFIX_PATTERNS = Array.from(
  { length: 24 },
  (_, i) => `or${'abcdefghijklmnopqrstuvwx'[i]}*/bi*`
)

interface Shape {
  name: string
  allow: string[]
  filter?: Partial<Pick<ListQuery, 'stream_name' | 'app_name'>>
  /** Pairs in scope (each costs at most one extra row: its cursor's first step). */
  pairs: number
  /** Whether finding the pairs walks the distinct pairs of the ledger (one row each). */
  walks: boolean
}

const SHAPES: Shape[] = [
  { name: 'exact orders/billing', allow: ['orders/billing'], pairs: 1, walks: false },
  { name: 'prefix ord*/bil*', allow: ['ord*/bil*'], pairs: 4, walks: true },
  { name: '*/billing', allow: ['*/billing'], pairs: STREAMS.length, walks: true },
  {
    name: '*/* with app_name=audit',
    allow: ['*/*'],
    filter: { app_name: 'audit' },
    pairs: STREAMS.length,
    walks: true,
  },
  {
    name: '*/* with stream_name=payments',
    allow: ['*/*'],
    filter: { stream_name: 'payments' },
    pairs: APPS.length,
    walks: true,
  },
  { name: '*/*', allow: ['*/*'], pairs: 1, walks: false },
  {
    name: '24 prefix patterns',
    allow: PREFIX_PATTERNS,
    pairs: 4,
    walks: true,
  },
]

describe('rows read per listing, 4 000 entries', () => {
  it.each(SHAPES)('$name: O(limit + pairs), not O(ledger)', async (shape) => {
    for (const limit of [20, 100]) {
      const page = await sqlCost(ledgerStub(), (ledger) =>
        (ledger as ResetLedger).list({
          allow: shape.allow,
          ...shape.filter,
          limit,
          now: Date.now(),
        })
      )
      report(`listing, ${shape.name}, limit ${limit}: rowsRead ${page.rowsRead}`)
      const bound = limit + 1 + shape.pairs + (shape.walks ? 2 * PAIRS : 0)
      expect(page.rowsRead).toBeLessThanOrEqual(bound)
      for (const entry of page.result.entries) {
        if (shape.filter?.app_name) expect(entry.app_name).toBe(shape.filter.app_name)
      }
    }
  })

  it('pages newest first across pairs, with no entry twice and none missing', async () => {
    const allow = ['ord*/bil*']
    const seen: string[] = []
    let before: number | undefined
    for (let page = 0; page < 100; page++) {
      const result = await runInDurableObject(ledgerStub(), (ledger) =>
        (ledger as ResetLedger).list({ allow, limit: 30, before, now: Date.now() })
      )
      seen.push(...result.entries.map((entry) => entry.reset_id))
      if (!result.more) break
      before = result.last ?? undefined
    }
    const expected = await runInDurableObject(ledgerStub(), (_, state) =>
      state.storage.sql
        .exec<{ reset_id: string }>(
          `SELECT reset_id FROM resets WHERE stream_name IN ('orders', 'ordinals')
             AND app_name IN ('billing', 'bills') ORDER BY seq DESC`
        )
        .toArray()
        .map((row) => row.reset_id)
    )
    expect(expected.length).toBeGreaterThan(100)
    expect(seen).toEqual(expected)
  })
})

describe('GET /v1/resets through the gateway', () => {
  const key = 'gw_test_listing_patterns_4b1c9e0d2a7f'

  it('a client with 24 prefix patterns lists (it used to be a 503: over 100 bound parameters)', async () => {
    const gw = await startGateway({
      clients: [
        {
          id: 'many-patterns',
          api_key_sha256: [await sha256Hex(key)],
          allow: ['orders/billing', ...PREFIX_PATTERNS.slice(0, 23)],
        },
      ],
    })
    const response = await gw.request('/v1/resets?limit=5', {
      headers: { Authorization: `Bearer ${key}` },
    })
    expect(response.status, await response.clone().text()).toBe(200)
    const body = (await response.json()) as {
      resets: { stream_name: string; app_name: string }[]
      next_cursor: string | null
    }
    expect(body.resets).toHaveLength(5)
    // `ord*/bi*` is among the patterns: orders and ordinals, billing and bills.
    for (const reset of body.resets) {
      expect(['orders', 'ordinals']).toContain(reset.stream_name)
      expect(['billing', 'bills']).toContain(reset.app_name)
    }
    expect(body.next_cursor).not.toBeNull()
  })

  it('a client with allow: [] gets an empty list without a Durable Object call', async () => {
    let gets = 0
    const counted = new Proxy(env.LEDGER, {
      get(target, name) {
        const value = Reflect.get(target, name)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          if (name === 'get') gets += 1
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const gw = await startGateway({
      clients: [{ id: 'nothing-allowed', api_key_sha256: [await sha256Hex(key)], allow: [] }],
      bindings: { LEDGER: counted },
    })
    const response = await gw.request('/v1/resets', {
      headers: { Authorization: `Bearer ${key}` },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ resets: [], next_cursor: null })
    expect(gets).toBe(0)
  })
})
