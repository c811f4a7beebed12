import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'

/**
 * Undo (README "Safety net"): all-or-nothing for conflicts, CommitCheckpoint with the saved
 * position and metadata, skipped for partitions that had none, DIS.4224 → sequence_expired,
 * partial undos retried for the rest only, concurrent undos serialised by the ledger object.
 * The tests share this file's ledger object; each uses its own stream/app/partitions.
 */

const auth = (key: string = API_KEYS.ops) => ({ Authorization: `Bearer ${key}` })

async function resetId(gw: TestGateway, query: Record<string, string>, key: string = API_KEYS.ops) {
  const response = await gw.reset(query, key)
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { reset_id: string }).reset_id
}

function undo(gw: TestGateway, id: string, query = '', key: string = API_KEYS.ops) {
  return gw.request(`/v1/resets/${id}/undo${query}`, { method: 'POST', headers: auth(key) })
}

async function checkpointsOf(gw: TestGateway, stream: string, app: string) {
  return Object.fromEntries(
    (await gw.emulator.checkpoints())
      .filter((c) => c.stream_name === stream && c.app_name === app)
      .map((c) => [c.partition_id, `${c.sequence_number}|${c.metadata}`])
  )
}

describe('undo', () => {
  it('as a new user would: reset 7, list, undo, read back — Show → DELETE → Show → Commit', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints([
      {
        stream_name: 'events',
        app_name: 'billing',
        partition_id: '7',
        sequence_number: '10',
        metadata: 'consumer-a',
      },
    ])
    await gw.emulator.resetCalls()
    const query = { stream_name: 'events', app_name: 'billing', partition_id: '7' }
    const reset = await gw.reset(query, API_KEYS.billing)
    const receipt = (await reset.json()) as { reset_id: string; previous: unknown }
    expect(receipt.previous).toEqual([
      { partition_id: 'shardId-0000000007', sequence_number: '10' },
    ])
    expect(await checkpointsOf(gw, 'events', 'billing')).not.toHaveProperty('shardId-0000000007')

    const list = await gw.request('/v1/resets?stream_name=events&app_name=billing', {
      headers: auth(API_KEYS.billing),
    })
    expect(((await list.json()) as { resets: { reset_id: string }[] }).resets[0]?.reset_id).toBe(
      receipt.reset_id
    )

    const undone = await undo(gw, receipt.reset_id, '', API_KEYS.billing)
    expect(undone.status).toBe(200)
    expect(await undone.json()).toMatchObject({
      reset_id: receipt.reset_id,
      client_id: 'billing-svc',
      status: 'completed',
      partitions: [{ partition_id: 'shardId-0000000007', result: 'restored' }],
    })
    const read = await gw.request(`/v1/checkpoints?${new URLSearchParams(query)}`, {
      headers: auth(API_KEYS.billing),
    })
    expect(await read.json()).toMatchObject({
      partitions: [{ partition_id: 'shardId-0000000007', sequence_number: '10' }],
    })
    const { requests } = await gw.emulator.calls()
    expect(requests.map((r) => r.route).filter((r) => r !== 'iam_token')).toEqual([
      'show_checkpoint',
      'delete_checkpoint',
      'show_checkpoint',
      'commit_checkpoint',
      // The read: its range (DescribeStream), then the checkpoint.
      'describe_stream',
      'show_checkpoint',
    ])
    const commit = requests.find((r) => r.route === 'commit_checkpoint')
    expect(JSON.parse(commit?.body ?? '{}')).toEqual({
      stream_name: 'events',
      app_name: 'billing',
      partition_id: 'shardId-0000000007',
      sequence_number: '10',
      metadata: 'consumer-a',
      checkpoint_type: 'LAST_READ',
    })
    // The entry remembers the undo.
    const recorded = await gw.request(`/v1/resets/${receipt.reset_id}`, {
      headers: auth(API_KEYS.billing),
    })
    expect(await recorded.json()).toMatchObject({ undo: { status: 'completed' } })
  })

  it('is all-or-nothing: a partition a consumer moved since → 409 listing it, nothing restored; force overwrites', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints(
      ['0', '1', '2'].map((p, i) => ({
        stream_name: 'orders',
        app_name: 'audit',
        partition_id: p,
        sequence_number: `${5 + i}`,
      }))
    )
    const id = await resetId(gw, { stream_name: 'orders', app_name: 'audit', partition_id: 'all' })
    // A consumer still running commits on partition 1 right after the reset.
    await gw.emulator.setCheckpoints([
      { stream_name: 'orders', app_name: 'audit', partition_id: '1', sequence_number: '9' },
    ])
    await gw.emulator.resetCalls()

    const conflict = await undo(gw, id)
    expect(conflict.status).toBe(409)
    const problem = await problemOf(conflict)
    expect(problem.code).toBe('undo_conflict')
    expect(problem.conflicts).toEqual([
      { partition_id: 'shardId-0000000001', sequence_number: '9' },
    ])
    expect((await gw.emulator.calls()).counts.commit_checkpoint).toBe(0)
    expect(await checkpointsOf(gw, 'orders', 'audit')).toEqual({ 'shardId-0000000001': '9|' })

    const forced = await undo(gw, id, '?force=true')
    expect(forced.status).toBe(200)
    expect(await checkpointsOf(gw, 'orders', 'audit')).toEqual({
      'shardId-0000000000': '5|',
      'shardId-0000000001': '6|',
      'shardId-0000000002': '7|',
    })
  })

  it('partitions that had no checkpoint are skipped: deleted is what they were', async () => {
    const gw = await startGateway()
    const id = await resetId(gw, { stream_name: 'mixed', app_name: 'analytics', partition_id: '0' })
    await gw.emulator.resetCalls()
    const response = await undo(gw, id)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      status: 'completed',
      partitions: [{ partition_id: 'shardId-0000000000', result: 'skipped' }],
    })
    expect((await gw.emulator.calls()).counts).toMatchObject({
      show_checkpoint: 0,
      commit_checkpoint: 0,
    })
  })

  it('a second undo after a complete one is 409 already_undone carrying the earlier undo', async () => {
    const gw = await startGateway()
    const id = await resetId(gw, { stream_name: 'mixed', app_name: 'billing', partition_id: '0' })
    const first = (await (await undo(gw, id)).json()) as Record<string, unknown>
    await gw.emulator.resetCalls()
    const second = await undo(gw, id)
    expect(second.status).toBe(409)
    const problem = await problemOf(second)
    expect(problem.code).toBe('already_undone')
    // The 200 answer is the undo record plus reset_id (its request_id is the undo's own).
    const { reset_id: _, ...earlier } = first
    expect(problem.undo).toEqual(earlier)
    expect((await gw.emulator.calls()).counts.commit_checkpoint).toBe(0)
  })

  it('DIS.4224 (aged out) → 410 sequence_expired for that partition; once possible again, a retry restores only the rest', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints([
      { stream_name: 'events', app_name: 'analytics', partition_id: '3', sequence_number: '50' },
      { stream_name: 'events', app_name: 'analytics', partition_id: '4', sequence_number: '70' },
    ])
    const first = await resetId(gw, {
      stream_name: 'events',
      app_name: 'analytics',
      partition_id: '3',
    })
    const second = await resetId(gw, {
      stream_name: 'events',
      app_name: 'analytics',
      partition_id: '4',
    })
    // Records up to 59 age out of partition 3.
    await gw.emulator.setPartitionRange({
      stream_name: 'events',
      partition_id: '3',
      sequence_number_range: [60, 200],
    })

    const expired = await undo(gw, first)
    expect(expired.status).toBe(410)
    const problem = await problemOf(expired)
    expect(problem.code).toBe('sequence_expired')
    expect(problem.undo).toMatchObject({
      status: 'failed',
      partitions: [
        { partition_id: 'shardId-0000000003', result: 'failed', code: 'sequence_expired' },
      ],
    })
    expect((await undo(gw, second)).status).toBe(200)

    // The failed undo may be retried (here after the range allows it again).
    await gw.emulator.setPartitionRange({
      stream_name: 'events',
      partition_id: '3',
      sequence_number_range: [0, 200],
    })
    const retried = await undo(gw, first)
    expect(retried.status).toBe(200)
    expect(await checkpointsOf(gw, 'events', 'analytics')).toMatchObject({
      'shardId-0000000003': '50|',
      'shardId-0000000004': '70|',
    })
  })

  it('a partial undo is retried for the partitions not yet restored only', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints(
      ['0', '1', '2'].map((p) => ({
        stream_name: 'orders',
        app_name: 'analytics',
        partition_id: p,
        sequence_number: '20',
      }))
    )
    const id = await resetId(gw, {
      stream_name: 'orders',
      app_name: 'analytics',
      partition_id: 'all',
    })
    await gw.emulator.addFault({
      route: 'commit_checkpoint',
      partition_id: '2',
      status: 503,
      retry_after: '1',
    })
    const partial = await undo(gw, id)
    expect(partial.status).toBe(503)
    expect((await problemOf(partial)).undo).toMatchObject({
      status: 'partial',
      partitions: [
        { partition_id: 'shardId-0000000000', result: 'restored' },
        { partition_id: 'shardId-0000000001', result: 'restored' },
        { partition_id: 'shardId-0000000002', result: 'failed', code: 'upstream_unavailable' },
      ],
    })
    await gw.emulator.clearFaults()
    await gw.emulator.resetCalls()
    const retried = await undo(gw, id)
    expect(retried.status).toBe(200)
    expect((await retried.json()) as Record<string, unknown>).toMatchObject({ status: 'completed' })
    const commits = (await gw.emulator.calls()).requests.filter(
      (r) => r.route === 'commit_checkpoint'
    )
    expect(commits.map((r) => JSON.parse(r.body ?? '{}').partition_id)).toEqual([
      'shardId-0000000002',
    ])
  })

  it('concurrent undos of one reset never both commit', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints([
      { stream_name: 'mixed', app_name: 'audit', partition_id: '0', sequence_number: '3' },
    ])
    const id = await resetId(gw, { stream_name: 'mixed', app_name: 'audit', partition_id: '0' })
    await gw.emulator.addFault({ route: 'commit_checkpoint', delay_ms: 150 })
    await gw.emulator.resetCalls()
    const answers = await Promise.all([undo(gw, id), undo(gw, id), undo(gw, id)])
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 409, 409])
    for (const answer of answers.filter((r) => r.status === 409)) {
      // The first holds the partition's lease: the others are partition_busy (or, once it
      // is done, already_undone).
      expect(['partition_busy', 'already_undone']).toContain((await problemOf(answer)).code)
    }
    expect((await gw.emulator.calls()).counts.commit_checkpoint).toBe(1)
  })

  it('an entry still in progress cannot be undone: 409 undo_conflict, nothing sent', async () => {
    const gw = await startGateway()
    const id = await resetId(gw, { stream_name: 'big', app_name: 'audit', partition_id: '5' })
    await runInDurableObject(env.LEDGER.get(env.LEDGER.idFromName('ledger')), (_, state) => {
      state.storage.sql.exec(
        "UPDATE resets SET entry = json_set(entry, '$.status', 'in_progress') WHERE reset_id = ?",
        id
      )
    })
    await gw.emulator.resetCalls()
    const response = await undo(gw, id)
    expect(response.status).toBe(409)
    expect((await problemOf(response)).code).toBe('undo_conflict')
    expect(await gw.emulator.routes()).toEqual([])
  })

  it('is scoped by allow: an entry the client may not see is 404 reset_not_found, nothing sent', async () => {
    const gw = await startGateway()
    const id = await resetId(gw, { stream_name: 'big', app_name: 'billing', partition_id: '6' })
    await gw.emulator.resetCalls()
    for (const key of [API_KEYS.prefix, API_KEYS.nobody]) {
      const response = await undo(gw, id, '', key)
      expect(response.status).toBe(404)
      expect((await problemOf(response)).code).toBe('reset_not_found')
    }
    expect(await gw.emulator.routes()).toEqual([])
  })

  it.each([
    ['?force=yes', 'force'],
    ['?force=true&force=true', 'force'],
    ['?dry_run=true', 'dry_run'],
  ])('rejects %s with a 400 naming %s', async (query, field) => {
    const gw = await startGateway()
    const response = await undo(gw, 'rst_aaaaaaaaaaaaaaaaaaaaaaaaaa', query)
    expect(response.status).toBe(400)
    expect(
      ((await problemOf(response)).errors as { field: string }[]).map((e) => e.field)
    ).toContain(field)
  })

  it('takes no body and no webhook credential: nothing is restored by either', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints([
      { stream_name: 'big', app_name: 'analytics', partition_id: '9', sequence_number: '4' },
    ])
    const id = await resetId(gw, { stream_name: 'big', app_name: 'analytics', partition_id: '9' })
    await gw.emulator.resetCalls()
    const withBody = await gw.request(`/v1/resets/${id}/undo`, {
      method: 'POST',
      body: '{"force":true}',
      headers: { ...auth(), 'Content-Type': 'application/json' },
    })
    expect(withBody.status).toBe(400)
    expect((await problemOf(withBody)).errors).toEqual([
      { field: '(body)', message: 'a body is not accepted on this method' },
    ])
    const unsigned = await gw.request(`/v1/resets/${id}/undo`, {
      method: 'POST',
      headers: { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' },
    })
    expect(unsigned.status).toBe(401)
    expect((await problemOf(unsigned)).code).toBe('unauthenticated')
    expect(await gw.emulator.routes()).toEqual([])
    expect(await checkpointsOf(gw, 'big', 'analytics')).toEqual({})
    // The entry was undoable all along: a proper undo restores it.
    expect((await undo(gw, id)).status).toBe(200)
    expect(await checkpointsOf(gw, 'big', 'analytics')).toEqual({ 'shardId-0000000009': '4|' })
  })
})
