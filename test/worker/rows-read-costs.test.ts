import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ResetLedger } from '../../src/ledger/ledger-object'
import type { ReplayGuard } from '../../src/webhooks/replay-guard-object'
import { testEntry } from '../support/ledger-entries'
import { report } from '../support/log-capture'
import { sqlCost } from '../support/sql-counters'

/**
 * Rows read per operation (the Free plan allows 5 000 000 a day; README "Shared state" has the
 * per-route table), on a ledger of 4 000 entries and a guard of 4 000 receipts, so a statement
 * that reads the table instead of an index fails here. SQLite's own `rowsRead` counters.
 */

const N = 4_000
const DAY = 86_400_000

const entry = (i: number) =>
  testEntry({ reset_id: `rst_rowsread${String(i).padStart(18, '0')}`, request_id: `req-${i}` })

describe('rows read per operation on a full object', () => {
  it('ledger: lease, record, complete, get, undo lock and unlock read a handful of rows each', async () => {
    const stub = env.LEDGER.get(env.LEDGER.idFromName('rows-read'))
    const now = Date.now()
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO resets (reset_id, stream_name, app_name, expires_at, entry)
         SELECT 'rst_fill' || i, 'orders', 'billing', ? + i, '{}' FROM n`,
        N,
        now + DAY
      )
    })
    const e = entry(1)
    const target = { stream_name: 'orders', app_name: 'billing' }
    const ids = ['shardId-0000000001']
    const op = (f: (l: ResetLedger) => Promise<unknown>) =>
      sqlCost(stub, (l) => f(l as ResetLedger)).then((c) => c.rowsRead)
    const lease = await op((l) => l.lease(target, ids, e.request_id, now, now + 10_000))
    const record = await op((l) => l.record(e, now + DAY))
    const deleted = e.partitions.map((p) => ({ ...p, result: 'deleted' as const }))
    const complete = await op((l) => l.complete(e.reset_id, 'completed', deleted))
    const get = await op((l) => l.get(e.reset_id, now))
    const lock = await op((l) => l.lockUndo(e.reset_id, now, now + 10_000, 'undo'))
    const unlock = await op((l) => l.unlockUndo(e.reset_id, null, 'undo'))
    report(
      `ledger rows read with ${N} entries: lease ${lease}, record ${record}, complete+release ${complete}, get ${get}, undo lock ${lock}, unlock ${unlock}`
    )
    for (const rows of [lease, record, complete, get, lock, unlock]) expect(rows).toBeLessThan(10)
  })

  it('replay guard: reserve, complete, replay and release read a handful of rows each', async () => {
    const stub = env.REPLAY_GUARD.get(env.REPLAY_GUARD.idFromName('client:rows-read'))
    const now = Date.now()
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO deliveries (key, state, expires_at, receipt) SELECT 'k' || i, 'done', ? + i, '{}' FROM n`,
        N,
        now + DAY
      )
    })
    const op = (f: (g: ReplayGuard) => Promise<unknown>) =>
      sqlCost(stub, (g) => f(g as ReplayGuard)).then((c) => c.rowsRead)
    const reserve = await op((g) => g.reserve('id:a', now, 10_000))
    const complete = await op((g) => g.complete('id:a', '{}', now, DAY))
    const replay = await op((g) => g.reserve('id:a', now, 10_000))
    await op((g) => g.reserve('id:b', now, 10_000))
    const release = await op((g) => g.release('id:b'))
    report(
      `replay guard rows read with ${N} receipts: reserve ${reserve}, complete ${complete}, replay ${replay}, release ${release}`
    )
    for (const rows of [reserve, complete, replay, release]) expect(rows).toBeLessThan(10)
  })
})
