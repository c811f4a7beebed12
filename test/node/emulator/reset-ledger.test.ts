// What the gateway's snapshot → DELETE → undo flow needs from the emulator (docs/upstream.md
// § ShowCheckpoint, § CommitCheckpoint): every "no checkpoint" answer, ranges that move as records
// age out, direct checkpoint edits, and an ordered request log.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { EmulatorSettings } from '../../../emulator/client.ts'
import { checkpointsUrl, fetchToken, streamUrl } from '../../../emulator/demo.ts'
import { CHECKPOINT_BASE, ctl, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()

function show(partition_id: string, app_name = 'billing', stream_name = 'orders') {
  return fetch(
    checkpointsUrl(emu.url, { ...CHECKPOINT_BASE, stream_name, app_name, partition_id }),
    {
      headers: { 'X-Auth-Token': token },
    }
  )
}
function del(partition_id: string) {
  return fetch(checkpointsUrl(emu.url, { ...CHECKPOINT_BASE, partition_id }), {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token },
  })
}
function commit(partition_id: string, sequence_number: string, metadata?: string) {
  return fetch(checkpointsUrl(emu.url, {}), {
    method: 'POST',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...CHECKPOINT_BASE, partition_id, sequence_number, metadata }),
  })
}
async function ranges(stream = 'orders', tok = token): Promise<string[]> {
  const res = await fetch(streamUrl(emu.url, stream), { headers: { 'X-Auth-Token': tok } })
  const body = await res.json<Json>()
  return body.partitions.map((p: Json) => `${p.partition_id} ${p.sequence_number_range}`)
}

describe('ShowCheckpoint when nothing was committed (show_missing_checkpoint)', () => {
  const cases: Array<[EmulatorSettings['show_missing_checkpoint'], number, string]> = [
    ['missing', 200, '{}'],
    ['empty', 200, '{"sequence_number":"","metadata":""}'],
    ['negative', 200, '{"sequence_number":"-1","metadata":""}'],
    ['error', 400, '{"errorCode":"DIS.4375","message":"The app does not commit checkpoint"}'],
  ]

  it.each(cases)('%s → %i %s', async (setting, status, text) => {
    await ctl.settings({ show_missing_checkpoint: setting })
    // `analytics` has no seeded checkpoint; `billing` on partition 1 was just deleted
    expect((await del('1')).status).toBe(204)
    for (const res of [await show('0', 'analytics'), await show('1')]) {
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(await res.text()).toBe(text)
    }
    // a committed checkpoint is answered normally whatever the setting
    expect(await (await show('0')).text()).toBe('{"sequence_number":"10","metadata":""}')
  })

  it("the default is 'negative'; unknown values are refused", async () => {
    expect((await ctl.settings({})).show_missing_checkpoint).toBe('negative')
    await expect(ctl.settings({ show_missing_checkpoint: 'null' as never })).rejects.toThrow(
      /400.*show_missing_checkpoint/
    )
  })
})

describe('partition ranges move (records age out)', () => {
  it('a saved sequence number falls out of range → CommitCheckpoint DIS.4224', async () => {
    // the seeded checkpoint "10" is what a snapshot would have saved
    expect(await (await show('1')).json<Json>()).toEqual({ sequence_number: '10', metadata: '' })
    const moved = await ctl.setPartitionRange({
      stream_name: 'orders',
      partition_id: '1',
      sequence_number_range: [50, 120],
    })
    expect(moved).toEqual([
      { partition_id: 'shardId-0000000001', sequence_number_range: '[50 : 120]' },
    ])
    const res = await commit('1', '10', 'm')
    expect(res.status).toBe(400)
    expect(await res.json<Json>()).toEqual({
      errorCode: 'DIS.4224',
      message: 'Sequence_number out of range. [10][ should be within ][50][ ][120]',
    })
    // the stored checkpoint itself is kept, as upstream keeps it
    expect(await (await show('1')).json<Json>()).toEqual({ sequence_number: '10', metadata: '' })
    expect((await commit('1', '49')).status).toBe(400)
    expect((await commit('1', '120')).status).toBe(201)
    expect((await commit('1', '121')).status).toBe(400)
    // other partitions keep their range
    expect((await commit('0', '10')).status).toBe(201)
  })

  it('DescribeStream reports the moved range', async () => {
    await ctl.setPartitionRange({
      stream_name: 'orders',
      partition_id: 'shardId-0000000002',
      sequence_number_range: [289911, 289927],
    })
    expect(await ranges()).toEqual([
      'shardId-0000000000 [0 : 100]',
      'shardId-0000000001 [0 : 100]',
      'shardId-0000000002 [289911 : 289927]',
    ])
  })

  it('without partition_id every partition of the stream moves; reset restores the seed', async () => {
    const moved = await ctl.setPartitionRange({
      stream_name: 'orders',
      sequence_number_range: [200, 300],
    })
    expect(moved.map((p) => p.sequence_number_range)).toEqual(Array(3).fill('[200 : 300]'))
    expect(await ranges()).toEqual([0, 1, 2].map((n) => `shardId-000000000${n} [200 : 300]`))
    expect((await ranges('events'))[0]).toBe('shardId-0000000000 [0 : 100]')
    await ctl.reset() // also forgets every token
    expect(await ranges('orders', await fetchToken(emu.url))).toEqual(
      [0, 1, 2].map((n) => `shardId-000000000${n} [0 : 100]`)
    )
  })

  it('bad updates → 400 naming the problem, nothing moves', async () => {
    const post = (body: unknown) =>
      fetch(`${emu.url}/__emulator/partitions/range`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    const bad: Array<[unknown, RegExp]> = [
      [{ stream_name: 'orders', sequence_number_range: [5, 4] }, /low ≤ high/],
      [{ stream_name: 'orders', sequence_number_range: [-1, 4] }, /sequence_number_range/],
      [{ stream_name: 'orders', sequence_number_range: [1.5, 4] }, /sequence_number_range/],
      [{ stream_name: 'orders', sequence_number_range: '[0 : 4]' }, /sequence_number_range/],
      [{ stream_name: 'nope', sequence_number_range: [0, 4] }, /no stream 'nope'/],
      [
        { stream_name: 'orders', partition_id: '3', sequence_number_range: [0, 4] },
        /no such partition/,
      ],
      [[], /JSON object/],
    ]
    for (const [body, message] of bad) {
      const res = await post(body)
      expect(res.status).toBe(400)
      expect(JSON.stringify(await res.json<Json>())).toMatch(message)
    }
    expect(await ranges()).toEqual([0, 1, 2].map((n) => `shardId-000000000${n} [0 : 100]`))
  })
})

describe('checkpoints set and read through the control client', () => {
  it('setCheckpoints stores sequence number and metadata; checkpoints() reads the table', async () => {
    await ctl.setCheckpoints([
      {
        stream_name: 'orders',
        app_name: 'analytics',
        partition_id: '2',
        sequence_number: '42',
        metadata: '{"consumer":"a"}',
      },
      {
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: 'shardId-1',
        sequence_number: '7',
      },
    ])
    expect(await (await show('2', 'analytics')).json<Json>()).toEqual({
      sequence_number: '42',
      metadata: '{"consumer":"a"}',
    })
    const orders = (await ctl.checkpoints()).filter((c) => c.stream_name === 'orders')
    expect(orders).toEqual([
      {
        stream_name: 'orders',
        app_name: 'analytics',
        partition_id: 'shardId-0000000002',
        sequence_number: '42',
        metadata: '{"consumer":"a"}',
      },
      ...[0, 1, 2].map((n) => ({
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: `shardId-000000000${n}`,
        sequence_number: n === 1 ? '7' : '10',
        metadata: '',
      })),
    ])
  })

  it('no range check: an aged-out value can be stored, but not committed back', async () => {
    await ctl.setCheckpoints([
      { stream_name: 'orders', app_name: 'billing', partition_id: '0', sequence_number: '5000' },
    ])
    expect((await (await show('0')).json<Json>()).sequence_number).toBe('5000')
    expect((await commit('0', '5000')).status).toBe(400)
  })

  it('an invalid entry → 400 naming it, and no entry is stored', async () => {
    const before = await ctl.checkpoints()
    await expect(
      ctl.setCheckpoints([
        { stream_name: 'orders', app_name: 'billing', partition_id: '0', sequence_number: '1' },
        { stream_name: 'orders', app_name: 'nobody', partition_id: '0', sequence_number: '1' },
        { stream_name: 'orders', app_name: 'billing', partition_id: '9', sequence_number: '1' },
        {
          stream_name: 'orders',
          app_name: 'billing',
          partition_id: '0',
          sequence_number: 1 as never,
        },
      ])
    ).rejects.toThrow(
      /400.*checkpoints\[1\]\.app_name.*checkpoints\[2\]\.partition_id.*checkpoints\[3\]\.sequence_number/
    )
    expect(await ctl.checkpoints()).toEqual(before)
  })

  it('client.ts and types.ts stay usable in workerd: fetch only, no node: imports', () => {
    for (const file of ['client.ts', 'types.ts']) {
      const source = readFileSync(new URL(`../../../emulator/${file}`, import.meta.url), 'utf8')
      expect(source).not.toMatch(/from ['"]node:|require\(/)
      expect(source).not.toMatch(/from ['"]\.\/(?!types\.ts)/)
    }
  })
})

describe('the request log shows the order of calls', () => {
  it('snapshot → DELETE → conflict check → restore: Show, DELETE, Show, Commit', async () => {
    await ctl.resetCalls()
    await ctl.setCheckpoints([
      {
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: '2',
        sequence_number: '55',
        metadata: 'meta',
      },
    ])
    const snapshot = await (await show('2')).json<Json>()
    expect((await del('2')).status).toBe(204)
    expect((await (await show('2')).json<Json>()).sequence_number).toBe('-1')
    expect((await commit('2', snapshot.sequence_number, snapshot.metadata)).status).toBe(201)

    expect(await ctl.routes()).toEqual([
      'show_checkpoint',
      'delete_checkpoint',
      'show_checkpoint',
      'commit_checkpoint',
    ])
    const { requests } = await ctl.calls()
    expect(requests.map((r) => r.query.partition_id?.[0] ?? null)).toEqual(['2', '2', '2', null])
    expect(JSON.parse(requests[3]?.body ?? '')).toMatchObject({
      partition_id: '2',
      sequence_number: '55',
      metadata: 'meta',
    })
    expect(requests[0]?.body).toBe('')
    expect(await ctl.checkpoints()).toContainEqual({
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 'shardId-0000000002',
      sequence_number: '55',
      metadata: 'meta',
    })
  })

  it('IAM request bodies are never logged (they carry the password)', async () => {
    await ctl.resetCalls()
    await fetch(`${emu.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"auth":{"identity":{"password":{"user":{"password":"S3cret!"}}}}}',
    })
    const { requests } = await ctl.calls()
    expect(requests.map((r) => [r.route, r.body])).toEqual([['iam_token', null]])
    expect(JSON.stringify(requests)).not.toContain('S3cret!')
  })
})
