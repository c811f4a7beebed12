import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { LedgerEntry } from '../../src/ledger/entry'
import type { ResetLedger } from '../../src/ledger/ledger-object'
import { report } from '../support/log-capture'
import { sqlCost } from '../support/sql-counters'

/**
 * Lapsed partition leases are swept (README "Shared state"): a lease whose release never landed
 * (the request died) is deleted by the ledger's batched sweep, not left forever; taking a lease
 * brings the hourly alarm forward when the next one is further away; the sweep reads the
 * leases it deletes plus the few still running, not the ledger.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR
let unique = 0
const ledgerStub = () => env.LEDGER.get(env.LEDGER.idFromName(`lease-sweep:${++unique}`))
const target = { stream_name: 'orders', app_name: 'billing' }

const leaseRows = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_, state) =>
    state.storage.sql
      .exec<{ holder: string; partition_id: string }>(
        'SELECT holder, partition_id FROM leases ORDER BY partition_id'
      )
      .toArray()
  )

describe('lapsed partition leases', () => {
  it('are deleted by the sweep, reading what it deletes plus the running leases, not the ledger', async () => {
    const stub = ledgerStub()
    const now = Date.now()
    await runInDurableObject(stub, async (instance, state) => {
      const ledger = instance as ResetLedger
      // 1 000 ledger rows expiring in 10 h, none due.
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
         INSERT INTO resets (reset_id, stream_name, app_name, expires_at, entry)
         SELECT 'rst_' || i, 'orders', 'billing', ? + i, '{}' FROM n`,
        now + 10 * HOUR
      )
      // Three requests died holding their leases (already lapsed); one is running.
      await ledger.lease(target, ['p1', 'p2'], 'dead-1', now - 60_000, now - 1)
      await ledger.lease(target, ['p3'], 'dead-2', now - 60_000, now - 1)
      await ledger.lease(target, ['p9'], 'running', now, now + 60_000)
    })
    const sweep = await sqlCost(stub, (instance) => (instance as ResetLedger).alarm())
    report(
      `ledger sweep with 3 lapsed leases, 1 running and 1 000 entries: rowsRead ${sweep.rowsRead}, rowsWritten ${sweep.rowsWritten}`
    )
    expect(await leaseRows(stub)).toEqual([{ holder: 'running', partition_id: 'p9' }])
    expect(sweep.rowsRead).toBeLessThan(20)
    // The running lease may lapse too: an alarm follows it, at the next hour boundary.
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm())
    expect(alarm).not.toBeNull()
    expect((alarm as number) % HOUR).toBe(0)
    expect(alarm).toBeLessThanOrEqual(now + 60_000 + HOUR)
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm())
  })

  it('a lease brings the alarm forward from an entry expiring in 30 days to the next hour', async () => {
    const stub = ledgerStub()
    const now = Date.now()
    const alarm = await runInDurableObject(stub, async (instance, state) => {
      const ledger = instance as ResetLedger
      // The only entry expires in 30 days: its sweep is that far away.
      const entry = { reset_id: 'rst_leasesweep', stream_name: 'orders', app_name: 'billing' }
      await ledger.record(entry as LedgerEntry, now + 30 * DAY)
      expect(await state.storage.getAlarm()).toBeGreaterThan(now + 29 * DAY)
      await ledger.lease(target, ['p1'], 'r', now, now + 10_000)
      return state.storage.getAlarm()
    })
    expect(alarm).toBe(Math.ceil((now + 10_000) / HOUR) * HOUR)
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm())
  })

  it('a lapsed lease is replaced by the next lease of its partition', async () => {
    const stub = ledgerStub()
    const now = Date.now()
    const taken = await runInDurableObject(stub, async (instance) => {
      const ledger = instance as ResetLedger
      await ledger.lease(target, ['p1'], 'dead', now - 60_000, now - 1)
      return ledger.lease(target, ['p1'], 'next', now, now + 10_000)
    })
    expect(taken).toBe(true)
    expect(await leaseRows(stub)).toEqual([{ holder: 'next', partition_id: 'p1' }])
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm())
  })
})
