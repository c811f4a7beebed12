import { describe, expect, inject, it } from 'vitest'
import { emulatorClient } from '../../emulator/client.ts'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { ordersWithTwoHours } from '../support/worlds'

/**
 * Undo of a move (docs/api.md "Safety net"): the saved checkpoint (sequence number and
 * metadata) is committed back, a checkpoint the move created where there was none is deleted,
 * and the conflict check compares with what the move committed.
 */

const shard = (n: number) => `shardId-${String(n).padStart(10, '0')}`
const auth = { Authorization: `Bearer ${API_KEYS.ops}` }

/**
 * `orders`: one record a minute for the last 2 hours on each of 3 partitions; `billing` is at
 * 10 (metadata consumer-a) on 0, 20 (consumer-b) on 1 and has no checkpoint on 2.
 */
async function world() {
  const seed = ordersWithTwoHours()
  seed.checkpoints = seed.checkpoints.filter(
    (c) => !(c.stream_name === 'orders' && c.app_name === 'billing')
  )
  seed.checkpoints.push(
    {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: shard(0),
      sequence_number: '10',
      metadata: 'consumer-a',
    },
    {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: shard(1),
      sequence_number: '20',
      metadata: 'consumer-b',
    }
  )
  const emulator = await emulatorClient(inject('emulatorUrl')).spawn(seed)
  return startGateway({ emulator })
}

async function checkpointsOf(gw: TestGateway) {
  return Object.fromEntries(
    (await gw.emulator.checkpoints())
      .filter((c) => c.stream_name === 'orders' && c.app_name === 'billing')
      .map((c) => [c.partition_id, `${c.sequence_number}|${c.metadata}`])
  )
}

const BEFORE = { [shard(0)]: '10|consumer-a', [shard(1)]: '20|consumer-b' }

/** "Rewind 1 hour" on all partitions; answers the reset id and what was committed. */
async function rewindHour(gw: TestGateway) {
  const response = await gw.request('/v1/resets', {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 'all',
      to: { type: 'duration', duration: 'PT1H' },
    }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
  const answer = (await response.json()) as {
    reset_id: string
    partitions: { partition_id: string; committed: string; result: string }[]
  }
  expect(answer.partitions.map((p) => p.result)).toEqual(['committed', 'committed', 'committed'])
  return answer
}

function undo(gw: TestGateway, id: string, query = '') {
  return gw.request(`/v1/resets/${id}/undo${query}`, { method: 'POST', headers: auth })
}

describe('undo of a move', () => {
  it('puts every partition back exactly: saved checkpoints with metadata, and none where there was none', async () => {
    const gw = await world()
    expect(await checkpointsOf(gw)).toEqual(BEFORE)
    const moved = await rewindHour(gw)
    const after = await checkpointsOf(gw)
    for (const p of moved.partitions) expect(after[p.partition_id]).toMatch(`${p.committed}|`)
    // The move kept each checkpoint's metadata.
    expect(after[shard(0)]).toMatch(/\|consumer-a$/)

    await gw.emulator.resetCalls()
    const response = await undo(gw, moved.reset_id)
    expect(response.status, await response.clone().text()).toBe(200)
    const record = (await response.json()) as {
      status: string
      partitions: { partition_id: string; result: string }[]
    }
    expect(record.status).toBe('completed')
    expect(record.partitions).toEqual([
      { partition_id: shard(0), result: 'restored' },
      { partition_id: shard(1), result: 'restored' },
      { partition_id: shard(2), result: 'restored' },
    ])
    expect(await checkpointsOf(gw)).toEqual(BEFORE)
    const requests = (await gw.emulator.calls()).requests
    const writes = requests
      .filter((r) => r.route === 'commit_checkpoint' || r.route === 'delete_checkpoint')
      .map((r) => r.route)
      .sort()
    expect(writes).toEqual(['commit_checkpoint', 'commit_checkpoint', 'delete_checkpoint'])

    // Undone once: a second undo is already_undone, and sends nothing.
    await gw.emulator.resetCalls()
    const again = await undo(gw, moved.reset_id)
    expect(again.status).toBe(409)
    expect((await problemOf(again)).code).toBe('already_undone')
    expect((await gw.emulator.calls()).requests).toEqual([])
  })

  it('a consumer commit since the move → 409 undo_conflict naming only that partition, nothing restored; force restores', async () => {
    const gw = await world()
    const moved = await rewindHour(gw)
    await gw.emulator.setCheckpoints([
      { stream_name: 'orders', app_name: 'billing', partition_id: shard(1), sequence_number: '99' },
    ])
    const afterConsumer = await checkpointsOf(gw)
    await gw.emulator.resetCalls()

    const refused = await undo(gw, moved.reset_id)
    expect(refused.status).toBe(409)
    const problem = await problemOf(refused)
    expect(problem.code).toBe('undo_conflict')
    // The partitions still at what the move committed are not conflicts.
    expect(problem.conflicts).toEqual([{ partition_id: shard(1), sequence_number: '99' }])
    expect(await checkpointsOf(gw)).toEqual(afterConsumer)
    const counts = (await gw.emulator.calls()).counts
    expect(counts.commit_checkpoint ?? 0).toBe(0)
    expect(counts.delete_checkpoint ?? 0).toBe(0)

    const forced = await undo(gw, moved.reset_id, '?force=true')
    expect(forced.status, await forced.clone().text()).toBe(200)
    expect(await checkpointsOf(gw)).toEqual(BEFORE)
  })

  it('a saved checkpoint that aged out → 410 sequence_expired, the move’s checkpoint stays', async () => {
    const gw = await world()
    const moved = await gw.request('/v1/resets', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: shard(0),
        to: { type: 'sequence_number', sequence_number: '70' },
      }),
    })
    expect(moved.status).toBe(200)
    const { reset_id } = (await moved.json()) as { reset_id: string }
    // Records up to 49 age out: the saved 10 can no longer be committed.
    await gw.emulator.setPartitionRange({
      stream_name: 'orders',
      partition_id: shard(0),
      sequence_number_range: ['50', '120'],
    })
    await gw.emulator.resetCalls()
    const response = await undo(gw, reset_id)
    expect(response.status).toBe(410)
    const problem = await problemOf(response)
    expect(problem.code).toBe('sequence_expired')
    expect((problem.undo as { partitions: unknown[] }).partitions).toEqual([
      { partition_id: shard(0), result: 'failed', code: 'sequence_expired' },
    ])
    expect((await checkpointsOf(gw))[shard(0)]).toBe('70|consumer-a')
  })
})
