import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { FAST_RETRY, problemOf, startGateway, type TestGateway } from '../support/gateway'

/**
 * Undo rules of version 3 (README "Safety net"): never back past a newer reset unless forced;
 * nothing to undo is a 409, not a 200 with no partitions; an entry whose request stopped before
 * any DELETE is `abandoned`; an entry stuck `in_progress` may be undone with force=true, reading
 * every partition first. Each test uses its own stream/app (the file shares one ledger object).
 */

const auth = { Authorization: `Bearer ${API_KEYS.ops}` }

async function resetOf(gw: TestGateway, query: Record<string, string>) {
  const response = await gw.reset(query, API_KEYS.ops)
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { reset_id: string }).reset_id
}

const undo = (gw: TestGateway, id: string, query = '') =>
  gw.request(`/v1/resets/${id}/undo${query}`, { method: 'POST', headers: auth })

async function entryOf(gw: TestGateway, id: string) {
  const response = await gw.request(`/v1/resets/${id}`, { headers: auth })
  return (await response.json()) as { status: string; partitions: { result: string }[] }
}

async function committed(gw: TestGateway) {
  return (await gw.emulator.calls()).requests
    .filter((r) => r.route === 'commit_checkpoint')
    .map((r) => JSON.parse(r.body ?? '{}') as { partition_id: string; sequence_number: string })
    .map((b) => `${b.partition_id}=${b.sequence_number}`)
    .sort()
}

describe('undo rules', () => {
  it('refuses to go back past a newer reset of the same partition, naming it; force=true does', async () => {
    const gw = await startGateway()
    const query = { stream_name: 'events', app_name: 'audit', partition_id: '2' }
    await gw.emulator.setCheckpoints([{ ...query, sequence_number: '10' }])
    const older = await resetOf(gw, query)
    await gw.emulator.setCheckpoints([{ ...query, sequence_number: '20' }])
    const newer = await resetOf(gw, query)
    await gw.emulator.resetCalls()

    const refused = await undo(gw, older)
    expect(refused.status).toBe(409)
    const problem = await problemOf(refused)
    expect(problem).toMatchObject({ code: 'undo_conflict', newer_resets: [newer] })
    expect(problem.detail).toContain(newer)
    expect(await gw.emulator.routes()).toEqual([])

    const forced = await undo(gw, older, '?force=true')
    expect(forced.status).toBe(200)
    expect(await committed(gw)).toEqual(['shardId-0000000002=10'])
  })

  it('a newer reset that was itself undone no longer stands in the way', async () => {
    const gw = await startGateway()
    const query = { stream_name: 'events', app_name: 'analytics', partition_id: '5' }
    await gw.emulator.setCheckpoints([{ ...query, sequence_number: '7' }])
    const older = await resetOf(gw, query)
    const newer = await resetOf(gw, query) // nothing to wipe: the partition has no checkpoint
    expect((await undo(gw, newer)).status).toBe(200)
    await gw.emulator.resetCalls()
    expect((await undo(gw, older)).status).toBe(200)
    expect(await committed(gw)).toEqual(['shardId-0000000005=7'])
  })

  it('a reset whose DELETEs all failed has nothing to undo: 409 undo_conflict saying so, nothing sent', async () => {
    const gw = await startGateway()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 500 })
    const reset = await gw.reset(
      { stream_name: 'big', app_name: 'audit', partition_id: '3' },
      API_KEYS.ops
    )
    expect(reset.status).toBe(502)
    const { reset_id } = (await reset.json()) as { reset_id: string }
    await gw.emulator.clearFaults()
    expect((await entryOf(gw, reset_id)).status).toBe('failed')
    await gw.emulator.resetCalls()

    const response = await undo(gw, reset_id)
    expect(response.status).toBe(409)
    const problem = await problemOf(response)
    expect(problem.code).toBe('undo_conflict')
    expect(problem.detail).toMatch(/nothing to undo/)
    expect(await gw.emulator.routes()).toEqual([])
  })

  it('an entry written when the request then stopped before any DELETE is abandoned, and has nothing to undo', async () => {
    // The clock jumps to just before the deadline once the snapshot is read: the entry is
    // written, but no DELETE attempt fits any more.
    let skew = 0
    let startedAt = 0
    const gw = await startGateway({
      app: {
        now: () => Date.now() + skew,
        fetch: async (url, init) => {
          const response = await fetch(url, init)
          if (skew === 0 && url.includes('/checkpoints') && (init.method ?? 'GET') === 'GET') {
            skew = startedAt + (FAST_RETRY.deadlineMs ?? 0) - 45 - Date.now()
          }
          return response
        },
      },
    })
    await gw.emulator.setCheckpoints([
      { stream_name: 'big', app_name: 'analytics', partition_id: '4', sequence_number: '12' },
    ])
    startedAt = Date.now()
    const reset = await gw.reset(
      { stream_name: 'big', app_name: 'analytics', partition_id: '4' },
      API_KEYS.ops
    )
    expect(reset.status).toBeGreaterThanOrEqual(500)
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(0)
    const [row] = await runInDurableObject(
      env.LEDGER.get(env.LEDGER.idFromName('ledger')),
      (_, state) =>
        state.storage.sql
          .exec<{ reset_id: string; entry: string }>(
            "SELECT reset_id, entry FROM resets WHERE stream_name = 'big' AND app_name = 'analytics'"
          )
          .toArray()
    )
    expect(JSON.parse(row?.entry ?? '{}')).toMatchObject({ status: 'abandoned' })

    await gw.emulator.resetCalls()
    const response = await undo(gw, row?.reset_id ?? '')
    expect(response.status).toBe(409)
    expect((await problemOf(response)).detail).toMatch(/before sending any DELETE/)
    expect(await gw.emulator.routes()).toEqual([])
  })

  it('an entry stuck in_progress past deadline + margin: 409 without force; force reads every partition and puts each back', async () => {
    const gw = await startGateway()
    const target = { stream_name: 'orders', app_name: 'audit' }
    await gw.emulator.setCheckpoints(
      ['0', '1', '2'].map((p, i) => ({ ...target, partition_id: p, sequence_number: `${5 + i}` }))
    )
    const id = await resetOf(gw, { ...target, partition_id: 'all' })
    // Its outcome never landed, and partition 2's DELETE was never sent.
    await gw.emulator.setCheckpoints([{ ...target, partition_id: '2', sequence_number: '7' }])
    const stuck = (createdAt: string) =>
      runInDurableObject(env.LEDGER.get(env.LEDGER.idFromName('ledger')), (_, state) => {
        state.storage.sql.exec(
          `UPDATE resets SET entry = json_set(entry, '$.status', 'in_progress', '$.created_at', ?,
             '$.partitions[0].result', 'pending', '$.partitions[1].result', 'pending',
             '$.partitions[2].result', 'pending') WHERE reset_id = ?`,
          createdAt,
          id
        )
      })
    // Still within its deadline: in progress, even with force.
    await stuck(new Date().toISOString())
    await gw.emulator.resetCalls()
    expect((await problemOf(await undo(gw, id, '?force=true'))).code).toBe('undo_conflict')
    await stuck(new Date(Date.now() - 60_000).toISOString())
    const refused = await undo(gw, id)
    expect(refused.status).toBe(409)
    expect((await problemOf(refused)).detail).toContain('force=true')
    expect(await gw.emulator.routes()).toEqual([])

    const forced = await undo(gw, id, '?force=true')
    expect(forced.status, await forced.clone().text()).toBe(200)
    const routes = await gw.emulator.routes()
    expect(routes.filter((r) => r === 'show_checkpoint')).toHaveLength(3)
    // Partition 2 was never deleted: a conflict, re-committed to the same value.
    expect(await committed(gw)).toEqual([
      'shardId-0000000000=5',
      'shardId-0000000001=6',
      'shardId-0000000002=7',
    ])
  })
})
