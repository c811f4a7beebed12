import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ResetLedger } from '../../src/ledger/ledger-object'
import { testEntry } from '../support/ledger-entries'
import { report } from '../support/log-capture'
import { sqlCost } from '../support/sql-counters'

/**
 * An `all` entry fits Cloudflare's 2 MB row limit at the largest partition count a Paid plan
 * allows: WORKERS_SUBREQUEST_LIMIT 10 000 with the ledger on leaves ~4 997 partitions, each with
 * a 19-digit position and up to 1 000 characters of metadata (docs/upstream.md).
 */

const PARTITIONS = 4_997
// 1 000 characters that cost the most: 3 bytes each in UTF-8, some of them escaped in JSON.
const METADATA = `"\\${'€'.repeat(998)}`

function hugeEntry(resetId: string) {
  return testEntry({
    reset_id: resetId,
    stream_name: 'huge',
    partition_selector: 'all',
    partitions: Array.from({ length: PARTITIONS }, (_, i) => ({
      partition_id: `shardId-${String(i).padStart(10, '0')}`,
      previous_sequence_number: String(9_000_000_000_000_000_000n + BigInt(i)),
      previous_metadata: `${i}${METADATA}`.slice(0, 1_000),
      result: 'pending' as const,
    })),
  })
}

describe('a ledger entry for partition_id=all on a Paid plan', () => {
  it('is recorded, completed, read back whole (metadata included) and swept with its parts', async () => {
    const stub = env.LEDGER.get(env.LEDGER.idFromName('entry-size'))
    const entry = hugeEntry('rst_hugeaaaaaaaaaaaaaaaaaaaaa')
    report(
      `an all entry of ${PARTITIONS} partitions: ${new TextEncoder().encode(JSON.stringify(entry)).length} bytes of JSON`
    )
    const now = Date.now()
    const record = await sqlCost(stub, (ledger) =>
      (ledger as ResetLedger).record(entry, now + 86_400_000)
    )
    report(`recording it wrote ${record.rowsWritten} rows`)
    await runInDurableObject(stub, (ledger) =>
      (ledger as ResetLedger).complete(
        entry.reset_id,
        'completed',
        entry.partitions.map((p) => ({ ...p, result: 'deleted' as const }))
      )
    )
    const back = await runInDurableObject(stub, (ledger) =>
      (ledger as ResetLedger).get(entry.reset_id, Date.now())
    )
    expect(back?.status).toBe('completed')
    expect(back?.partitions).toHaveLength(PARTITIONS)
    expect(back?.partitions.map((p) => p.previous_metadata)).toEqual(
      entry.partitions.map((p) => p.previous_metadata)
    )
    expect(back?.partitions.at(-1)).toMatchObject({
      previous_sequence_number: String(9_000_000_000_000_000_000n + BigInt(PARTITIONS - 1)),
      result: 'deleted',
    })
    const listed = await runInDurableObject(stub, (ledger) =>
      (ledger as ResetLedger).list({ allow: ['huge/*'], limit: 5, now: Date.now() })
    )
    expect(listed.entries.map((e) => e.reset_id)).toEqual([entry.reset_id])
    // Swept: the metadata parts go with the entry.
    const left = await runInDurableObject(stub, async (ledger, state) => {
      state.storage.sql.exec('UPDATE resets SET expires_at = ?', Date.now() - 1)
      await (ledger as ResetLedger).alarm()
      return state.storage.sql.exec('SELECT COUNT(*) AS n FROM reset_metadata').one().n
    })
    expect(left).toBe(0)
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm())
  })
})
