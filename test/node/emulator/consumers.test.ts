// The live consumer (docs/emulator.md § Live consumer): Huawei's DIS Kafka adapter, while running,
// re-commits its in-memory position at its next auto-commit, overwriting an external change, and
// skips commits whose value did not change.
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { checkpointsUrl } from '../../../emulator/demo.ts'
import { CHECKPOINT_BASE, ctl, deletePartition, emu, token, useEmulator } from './harness.ts'

useEmulator()

const DELAY = 150

async function stored(partition: string, stream = 'orders', app = 'billing') {
  const all = await ctl.checkpoints()
  return all.find(
    (c) => c.stream_name === stream && c.app_name === app && c.partition_id === partition
  )?.sequence_number
}

function commit(partition_id: string, sequence_number: string) {
  return fetch(checkpointsUrl(emu.url, {}), {
    method: 'POST',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...CHECKPOINT_BASE, partition_id, sequence_number }),
  })
}

describe('live consumer', () => {
  it('running: a delete is overwritten DELAY ms later by its own position, marked as the consumer', async () => {
    const started = await ctl.setConsumer({
      stream_name: 'orders',
      app_name: 'billing',
      running: true,
      delay_ms: DELAY,
    })
    // it read the stored checkpoints when it started
    expect(started.positions.map((p) => p.sequence_number)).toEqual(['10', '10', '10'])
    await ctl.resetCalls()
    expect((await deletePartition('1')).status).toBe(204)
    expect(await stored('shardId-0000000001')).toBeUndefined()
    expect((await ctl.consumers())[0]?.commit_pending).toBe(true)
    await sleep(DELAY + 150)
    expect(await stored('shardId-0000000001')).toBe('10')
    const report = await ctl.calls()
    expect(report.requests.map((r) => [r.route, r.source ?? 'request'])).toEqual([
      ['delete_checkpoint', 'request'],
      ['commit_checkpoint', 'live_consumer'], // only the changed partition: unchanged ones skipped
    ])
    expect(JSON.parse(report.requests[1]?.body ?? '{}')).toMatchObject({
      partition_id: 'shardId-0000000001',
      sequence_number: '10',
    })
    expect(report.requests[1]?.status).toBe(201)
    // the consumer's own calls are not counted as received requests
    expect(report.counts.commit_checkpoint).toBe(0)
    expect((await ctl.consumers())[0]).toMatchObject({ commits: 1, commit_pending: false })
  })

  it('stopped: the delete holds, nothing is committed', async () => {
    await ctl.setConsumer({
      stream_name: 'orders',
      app_name: 'billing',
      running: true,
      delay_ms: DELAY,
    })
    await ctl.setConsumer({ stream_name: 'orders', app_name: 'billing', running: false })
    await ctl.resetCalls()
    await deletePartition('1')
    await sleep(DELAY + 150)
    expect(await stored('shardId-0000000001')).toBeUndefined()
    expect(await ctl.routes()).toEqual(['delete_checkpoint'])
  })

  it('an external commit of another value is overwritten; of the same value it is not', async () => {
    await ctl.setConsumer({
      stream_name: 'orders',
      app_name: 'billing',
      running: true,
      delay_ms: DELAY,
    })
    await ctl.resetCalls()
    expect((await commit('0', '10')).status).toBe(201) // same as its position
    await sleep(DELAY + 150)
    expect(await ctl.routes()).toEqual(['commit_checkpoint'])
    await ctl.setCheckpoints([
      { stream_name: 'orders', app_name: 'billing', partition_id: '2', sequence_number: '3' },
    ])
    await sleep(DELAY + 150)
    expect(await stored('shardId-0000000002')).toBe('10')
    expect((await ctl.calls()).requests.at(-1)?.source).toBe('live_consumer')
  })

  it('consume advances its positions (capped at B) and commits them after the delay', async () => {
    await ctl.setConsumer({
      stream_name: 'orders',
      app_name: 'billing',
      running: true,
      delay_ms: DELAY,
      positions: { '0': '95' },
    })
    const after = await ctl.consume({ stream_name: 'orders', app_name: 'billing', count: 3 })
    expect(after.positions.map((p) => p.sequence_number)).toEqual(['98', '13', '13'])
    const all = await ctl.consume({
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
      count: 50,
    })
    expect(all.positions[0]?.sequence_number).toBe('100')
    await sleep(DELAY + 150)
    expect([await stored('shardId-0000000000'), await stored('shardId-0000000001')]).toEqual([
      '100',
      '13',
    ])
  })

  it('without a checkpoint it starts at LATEST (B), as the adapter does by default', async () => {
    const state = await ctl.setConsumer({
      stream_name: 'orders',
      app_name: 'audit',
      running: true,
      delay_ms: DELAY,
    })
    expect(state.positions.map((p) => p.sequence_number)).toEqual(['100', '100', '100'])
  })

  it('reset and close end its timers', async () => {
    await ctl.setConsumer({
      stream_name: 'orders',
      app_name: 'billing',
      running: true,
      delay_ms: DELAY,
    })
    await deletePartition('1')
    await ctl.reset()
    expect(await ctl.consumers()).toEqual([])
    await sleep(DELAY + 150)
    expect(await ctl.routes()).toEqual([])

    const child = await ctl.spawn()
    await child.setConsumer({
      stream_name: 'orders',
      app_name: 'billing',
      running: true,
      delay_ms: 60_000,
    })
    await child.setCheckpoints([
      { stream_name: 'orders', app_name: 'billing', partition_id: '0', sequence_number: '1' },
    ])
    expect((await child.consumers())[0]?.commit_pending).toBe(true)
    await child.shutdown() // must not wait a minute for the pending commit
  })

  it('bad updates → 400', async () => {
    await expect(ctl.setConsumer({ stream_name: 'nope', app_name: 'billing' })).rejects.toThrow(
      /400/
    )
    await expect(
      ctl.setConsumer({ stream_name: 'orders', app_name: 'billing', positions: { '9': '1' } })
    ).rejects.toThrow(/positions\.9/)
    await expect(ctl.consume({ stream_name: 'orders', app_name: 'analytics' })).rejects.toThrow(
      /no live consumer/
    )
  })
})
