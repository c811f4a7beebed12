import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ResetLedger } from '../../src/ledger/ledger-object'
import { SWEEP_BATCH } from '../../src/lib/durable-objects'
import type { ReplayGuard } from '../../src/webhooks/replay-guard-object'
import { testEntry } from '../support/ledger-entries'
import { report } from '../support/log-capture'
import { sqlCost } from '../support/sql-counters'

/**
 * Sweeps cost what they delete (README "Shared state"): expired rows are found through the
 * `expires_at` index, alarms are batched (one per 15 min per guard object, one per hour for the
 * ledger), and one sweep deletes a bounded batch. Costs are SQLite's own counters.
 */

const MINUTE = 60_000
const HOUR = 60 * MINUTE

interface Store {
  name: string
  stub: () => DurableObjectStub
  table: string
  batchMs: number
  /** Inserts rows through the object's own API, so its alarm is armed as in production. */
  add: (instance: unknown, i: number, expiresAt: number) => Promise<void>
  /** Inserts `n` rows expiring from `from` on, one per millisecond, in one statement. */
  fill: (state: DurableObjectState, n: number, from: number) => void
}

const ledgerEntry = (i: number) =>
  testEntry({ reset_id: `rst_${String(i).padStart(26, 'a')}`, status: 'completed', partitions: [] })

let unique = 0
const stores: Store[] = [
  {
    name: 'replay guard',
    stub: () => env.REPLAY_GUARD.get(env.REPLAY_GUARD.idFromName(`sweeps:${++unique}`)),
    table: 'deliveries',
    batchMs: 15 * MINUTE,
    add: (guard, i, expiresAt) =>
      (guard as ReplayGuard).complete(`id:${i}`, '{}', Date.now(), expiresAt - Date.now()),
    fill: (state, n, from) =>
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO deliveries (key, state, expires_at, receipt) SELECT 'k' || i, 'done', ? + i, '{}' FROM n`,
        n,
        from
      ),
  },
  {
    name: 'ledger',
    stub: () => env.LEDGER.get(env.LEDGER.idFromName(`sweeps:${++unique}`)),
    table: 'resets',
    batchMs: HOUR,
    add: (ledger, i, expiresAt) => (ledger as ResetLedger).record(ledgerEntry(i), expiresAt),
    fill: (state, n, from) =>
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO resets (reset_id, stream_name, app_name, expires_at, entry)
         SELECT 'rst_' || i, 'orders', 'billing', ? + i, '{}' FROM n`,
        n,
        from
      ),
  },
]

const count = (stub: DurableObjectStub, table: string) =>
  runInDurableObject(
    stub,
    (_, state) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n as number
  )

const alarmOf = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_, state) => state.storage.getAlarm())

describe.each(stores)('$name sweeps', (store) => {
  it('reads O(rows deleted), not O(table): 1 000 rows, 3 expired', async () => {
    const stub = store.stub()
    await runInDurableObject(stub, (_, state) => {
      store.fill(state, 1_000, Date.now() + 10 * HOUR)
      state.storage.sql.exec(
        `UPDATE ${store.table} SET expires_at = ? WHERE rowid IN (SELECT rowid FROM ${store.table} LIMIT 3)`.replace(
          /rowid/g,
          store.table === 'deliveries' ? 'key' : 'seq'
        ),
        Date.now() - 1
      )
    })
    const sweep = await sqlCost(stub, (instance) => (instance as ResetLedger | ReplayGuard).alarm())
    report(
      `${store.name} sweep of 3 expired rows out of 1 000: rowsRead ${sweep.rowsRead}, rowsWritten ${sweep.rowsWritten}`
    )
    expect(await count(stub, store.table)).toBe(997)
    expect(sweep.rowsRead).toBeLessThan(20)
    // The next alarm is the batch boundary after the next expiry, found through the index.
    const alarm = await alarmOf(stub)
    expect(alarm).not.toBeNull()
    expect((alarm as number) % store.batchMs).toBe(0)
    expect(alarm).toBeGreaterThanOrEqual(Date.now() + 10 * HOUR)
    expect(alarm).toBeLessThanOrEqual(Date.now() + 10 * HOUR + store.batchMs + 1_000)
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm())
  })

  it('60 rows expiring one a minute over an hour cost a handful of alarms, not 60', async () => {
    const stub = store.stub()
    const start = Date.now() + 2 * HOUR
    await runInDurableObject(stub, async (instance) => {
      for (let i = 0; i < 60; i++) await store.add(instance, i, start + i * MINUTE)
    })
    let alarms = 0
    for (;;) {
      const at = await alarmOf(stub)
      if (at === null || alarms > 100) break
      // Every alarm sits on a batch boundary, so rows expiring within one window share it.
      expect(at % store.batchMs).toBe(0)
      // Travel to the alarm's time: move every expiry back instead of waiting, by whole batch
      // windows so that batch boundaries stay boundaries (the clock lands at or up to one window
      // after the alarm's time, as a late alarm would).
      const wait = Math.max(0, Math.ceil((at - Date.now()) / store.batchMs) * store.batchMs)
      await runInDurableObject(stub, (_, state) => {
        state.storage.sql.exec(`UPDATE ${store.table} SET expires_at = expires_at - ?`, wait)
      })
      expect(await runDurableObjectAlarm(stub)).toBe(true)
      alarms += 1
    }
    report(`${store.name}: 60 distinct expiries over 1 h swept by ${alarms} alarm(s)`)
    expect(await count(stub, store.table)).toBe(0)
    expect(alarms).toBeLessThanOrEqual(HOUR / store.batchMs + 1)
  })

  it(`deletes at most ${SWEEP_BATCH} rows per sweep and comes back a second later for the rest`, async () => {
    const stub = store.stub()
    await runInDurableObject(stub, (_, state) => store.fill(state, 1_200, Date.now() - HOUR))
    const first = await sqlCost(stub, (instance) => (instance as ResetLedger | ReplayGuard).alarm())
    expect(await count(stub, store.table)).toBe(1_200 - SWEEP_BATCH)
    const again = await alarmOf(stub)
    expect(again).toBeGreaterThan(Date.now())
    expect(again).toBeLessThanOrEqual(Date.now() + 1_000)
    report(
      `${store.name} sweep of a ${SWEEP_BATCH}-row batch: rowsRead ${first.rowsRead}, rowsWritten ${first.rowsWritten}`
    )
    // About 4 rows read per row deleted (its index entries), never the rest of the table.
    expect(first.rowsRead).toBeLessThanOrEqual(4 * SWEEP_BATCH + 10)
    await runInDurableObject(stub, (instance) => (instance as ResetLedger | ReplayGuard).alarm())
    await runInDurableObject(stub, (instance) => (instance as ResetLedger | ReplayGuard).alarm())
    expect(await count(stub, store.table)).toBe(0)
    expect(await alarmOf(stub)).toBeNull()
  })
})
