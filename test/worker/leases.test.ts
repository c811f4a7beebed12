import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'

/**
 * Per-partition leases (README "Shared state"): a reset and an undo of one partition never
 * interleave. The second to arrive gets 409 partition_busy with Retry-After and sends nothing
 * upstream; the first finishes as if alone. An emulator delay keeps the first one running.
 * A lease request waits up to 150 ms for a release (ledger-object.ts LEASE_WAIT_MS), so an
 * operation sent the moment another one answers is not refused for a lease being released.
 */

const auth = { Authorization: `Bearer ${API_KEYS.ops}` }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function resetOf(gw: TestGateway, query: Record<string, string>) {
  const response = await gw.reset(query, API_KEYS.ops)
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { reset_id: string }).reset_id
}

const undo = (gw: TestGateway, id: string) =>
  gw.request(`/v1/resets/${id}/undo`, { method: 'POST', headers: auth })

async function expectBusy(response: Response) {
  expect(response.status).toBe(409)
  expect(response.headers.get('retry-after')).toBe('1')
  expect((await problemOf(response)).code).toBe('partition_busy')
}

describe('partition leases', () => {
  it('an undo is running when a reset of the same partition starts: the reset is 409 partition_busy, nothing sent', async () => {
    const gw = await startGateway()
    const query = { stream_name: 'events', app_name: 'analytics', partition_id: '3' }
    await gw.emulator.setCheckpoints([{ ...query, sequence_number: '42' }])
    const id = await resetOf(gw, query)
    // The undo's read of the partition takes 350 ms (under the 400 ms attempt timeout): it holds the lease meanwhile.
    await gw.emulator.addFault({ route: 'show_checkpoint', delay_ms: 350, times: 1 })
    await gw.emulator.resetCalls()

    const undoing = undo(gw, id)
    await sleep(40)
    await expectBusy(await gw.reset(query, API_KEYS.ops))
    expect((await undoing).status).toBe(200)

    // Only the undo reached DIS: its read and its commit, no snapshot or DELETE of the reset.
    expect(await gw.emulator.routes()).toEqual(['show_checkpoint', 'commit_checkpoint'])
    const checkpoint = (await gw.emulator.checkpoints()).find(
      (c) => c.stream_name === 'events' && c.app_name === 'analytics'
    )
    expect(checkpoint?.sequence_number).toBe('42')
  })

  it('a reset is running when an undo of the same partition starts: the undo is 409 partition_busy, nothing sent', async () => {
    const gw = await startGateway()
    const query = { stream_name: 'events', app_name: 'audit', partition_id: '4' }
    await gw.emulator.setCheckpoints([{ ...query, sequence_number: '30' }])
    const older = await resetOf(gw, query)
    await gw.emulator.setCheckpoints([{ ...query, sequence_number: '31' }])
    // The new reset's snapshot takes 350 ms (under the 400 ms attempt timeout): it holds the lease meanwhile.
    await gw.emulator.addFault({ route: 'show_checkpoint', delay_ms: 350, times: 1 })
    await gw.emulator.resetCalls()

    const resetting = gw.reset(query, API_KEYS.ops)
    await sleep(40)
    await expectBusy(await undo(gw, older))
    expect((await resetting).status).toBe(200)

    // Only the reset reached DIS: no read or commit of the undo; the partition stays deleted.
    expect(await gw.emulator.routes()).toEqual(['show_checkpoint', 'delete_checkpoint'])
    expect(
      (await gw.emulator.checkpoints()).filter(
        (c) => c.stream_name === 'events' && c.app_name === 'audit'
      )
    ).toEqual([])
  })

  it('two resets of one partition: one resets, the other is 409 partition_busy; the lease is released after', async () => {
    const gw = await startGateway()
    const query = { stream_name: 'big', app_name: 'analytics', partition_id: '11' }
    await gw.emulator.addFault({ route: 'show_checkpoint', delay_ms: 350, times: 1 })
    await gw.emulator.resetCalls()
    const first = gw.reset(query, API_KEYS.ops)
    await sleep(40)
    await expectBusy(await gw.reset(query, API_KEYS.ops))
    expect((await first).status).toBe(200)
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(1)
    // Released when the first one recorded its outcome: a new reset goes through at once.
    expect((await gw.reset(query, API_KEYS.ops)).status).toBe(200)
  })

  it('all leases every partition: a reset of all is busy while one partition is being reset', async () => {
    const gw = await startGateway()
    await gw.emulator.addFault({ route: 'show_checkpoint', delay_ms: 350, times: 1 })
    const single = gw.reset(
      { stream_name: 'orders', app_name: 'analytics', partition_id: '2' },
      API_KEYS.ops
    )
    await sleep(40)
    await gw.emulator.resetCalls()
    await expectBusy(
      await gw.reset(
        { stream_name: 'orders', app_name: 'analytics', partition_id: 'all' },
        API_KEYS.ops
      )
    )
    expect((await single).status).toBe(200)
    // The busy request resolved the partitions (DescribeStream), then touched none.
    const routes = (await gw.emulator.routes()).filter((r) => r !== 'delete_checkpoint')
    expect(routes).toEqual(['describe_stream'])
  })

  it('a lease request waits briefly for a release: the next operation the moment one answers goes through', async () => {
    const ledger = env.LEDGER.get(env.LEDGER.idFromName('lease-wait'))
    const target = { stream_name: 'orders', app_name: 'billing' }
    const now = Date.now()
    expect(await ledger.lease(target, ['shardId-0000000001'], 'req-a', now, now + 60_000)).toBe(
      true
    )
    // B asks while A still holds the partition; A releases 40 ms later: B gets it, no 409.
    const waiting = ledger.lease(target, ['shardId-0000000001'], 'req-b', now, now + 60_000)
    await sleep(40)
    await ledger.release(target, ['shardId-0000000001'], 'req-a')
    expect(await waiting).toBe(true)
    // A holder that does not release within the wait: C is refused after ~150 ms, not later.
    const started = Date.now()
    expect(await ledger.lease(target, ['shardId-0000000001'], 'req-c', now, now + 60_000)).toBe(
      false
    )
    const waited = Date.now() - started
    expect(waited).toBeGreaterThanOrEqual(140)
    expect(waited).toBeLessThan(1_000)
  })
})
