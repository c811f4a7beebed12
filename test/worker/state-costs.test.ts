import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { testEntry } from '../support/ledger-entries'
import { report } from '../support/log-capture'
import { sqlCost } from '../support/sql-counters'

/**
 * What each operation costs in Durable Object rows written (the Free plan allows 100 000 a day;
 * README "Shared state" has the per-route table). Measured with the cursors' own `rowsWritten`,
 * the billing counter, so a change that adds a write per request fails here.
 */
/** Rows written by `action` inside the object (test/support/sql-counters.ts). */
async function rowsWritten<T>(
  stub: DurableObjectStub,
  action: (instance: unknown) => Promise<T>
): Promise<number> {
  return (await sqlCost(stub, (instance) => action(instance))).rowsWritten
}

describe('rows written per operation', () => {
  it('replay guard: reserve, complete, release', async () => {
    const stub = env.REPLAY_GUARD.get(env.REPLAY_GUARD.idFromName('client:costs'))
    type Guard = import('../../src/webhooks/replay-guard-object').ReplayGuard
    const now = Date.now()
    const reserve = await rowsWritten(stub, (g) => (g as Guard).reserve('id:a', now, 10_000))
    const complete = await rowsWritten(stub, (g) =>
      (g as Guard).complete('id:a', '{}', now, 3_600_000)
    )
    const replay = await rowsWritten(stub, (g) => (g as Guard).reserve('id:a', now, 10_000))
    await rowsWritten(stub, (g) => (g as Guard).reserve('id:b', now, 10_000))
    const release = await rowsWritten(stub, (g) => (g as Guard).release('id:b'))
    report(
      `replay guard rows written: reserve ${reserve}, complete ${complete}, replay ${replay}, release ${release}`
    )
    // reserve and complete also write the `expires_at` index entry the sweeps read (README
    // "Shared state": sweeps cost what they delete).
    expect({ reserve, complete, replay, release }).toEqual({
      reserve: 2,
      complete: 2,
      replay: 0,
      release: 1,
    })
  })

  it('ledger: lease, record, complete (releases), undo lock and unlock (leases)', async () => {
    const stub = env.LEDGER.get(env.LEDGER.idFromName('ledger'))
    type Ledger = import('../../src/ledger/ledger-object').ResetLedger
    const entry = testEntry({ reset_id: 'rst_costsaaaaaaaaaaaaaaaaaaaaa' })
    const partition = entry.partitions[0]
    if (!partition) throw new Error('the entry has one partition')
    const now = Date.now()
    const target = { stream_name: 'orders', app_name: 'billing' }
    const ids = [partition.partition_id]
    const lease = await rowsWritten(stub, (l) =>
      (l as Ledger).lease(target, ids, 'r', now, now + 10_000)
    )
    const record = await rowsWritten(stub, (l) => (l as Ledger).record(entry, now + 86_400_000))
    const complete = await rowsWritten(stub, (l) =>
      (l as Ledger).complete(entry.reset_id, 'completed', [{ ...partition, result: 'deleted' }])
    )
    const lock = await rowsWritten(stub, (l) =>
      (l as Ledger).lockUndo(entry.reset_id, now, now + 10_000, 'u')
    )
    const unlock = await rowsWritten(stub, (l) =>
      (l as Ledger).unlockUndo(
        entry.reset_id,
        {
          undone_at: new Date().toISOString(),
          client_id: 'ops',
          request_id: 'u',
          status: 'completed',
          partitions: [{ partition_id: 'shardId-0000000001', result: 'restored' }],
        },
        'u'
      )
    )
    // partition_id=all over n partitions: one lease row each, taken and released.
    const many = Array.from({ length: 32 }, (_, i) => `shardId-${String(i).padStart(10, '0')}`)
    const audit = { ...target, app_name: 'audit' }
    const leaseAll = await rowsWritten(stub, (l) =>
      (l as Ledger).lease(audit, many, 'a', now, now + 10_000)
    )
    const releaseAll = await rowsWritten(stub, (l) => (l as Ledger).release(audit, many, 'a'))
    report(
      `ledger rows written: lease ${lease}, record ${record}, complete+release ${complete}, undo lock ${lock}, unlock ${unlock}; all over 32 partitions: lease ${leaseAll}, release ${releaseAll}`
    )
    // record: the entry, its reset_id key, its listing key and its `expires_at` index entry;
    // a lease is one row per partition (taken, then deleted by complete/unlock/release).
    expect({ lease, record, complete, lock, unlock, leaseAll, releaseAll }).toEqual({
      lease: 1,
      record: 4,
      complete: 2,
      lock: 1,
      unlock: 2,
      leaseAll: 32,
      releaseAll: 32,
    })
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm())
  })
})
