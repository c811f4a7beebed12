// CommitCheckpoint and ShowCheckpoint: docs/upstream.md § CommitCheckpoint,
// § ShowCheckpoint, test vector T15.
import { describe, expect, it } from 'vitest'
import { checkpointsUrl, fetchToken } from '../../../emulator/demo.ts'
import { ctl, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()

const commitBody = {
  stream_name: 'orders',
  app_name: 'billing',
  partition_id: '0',
  sequence_number: '2',
  checkpoint_type: 'LAST_READ',
}
const showQuery = {
  stream_name: 'orders',
  partition_id: '0',
  app_name: 'billing',
  checkpoint_type: 'LAST_READ',
}

function commit(body: unknown) {
  return fetch(checkpointsUrl(emu.url, {}), {
    method: 'POST',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}
function show(query: Record<string, string> = showQuery) {
  return fetch(checkpointsUrl(emu.url, query), { headers: { 'X-Auth-Token': token } })
}
function del(query: Record<string, string>) {
  return fetch(checkpointsUrl(emu.url, query), {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token },
  })
}
async function code(res: Response) {
  expect(res.status).toBe(400)
  return (await res.json<Json>()).errorCode
}

describe('CommitCheckpoint / ShowCheckpoint', () => {
  it('T15: commit → 201 empty; show → 200 {"sequence_number":"2","metadata":""}', async () => {
    const c = await commit(commitBody)
    expect(c.status).toBe(201)
    expect(await c.text()).toBe('')
    const s = await show()
    expect(s.status).toBe(200)
    expect(s.headers.get('content-type')).toBe('application/json')
    expect(await s.text()).toBe('{"sequence_number":"2","metadata":""}')
  })

  it('seeded checkpoint is visible; metadata round-trips; shardId form works', async () => {
    expect(await (await show()).json<Json>()).toEqual({ sequence_number: '10', metadata: '' })
    const c = await commit({
      ...commitBody,
      partition_id: 'shardId-0000000001',
      sequence_number: '99',
      metadata: 'm',
    })
    expect(c.status).toBe(201)
    expect(
      await (await show({ ...showQuery, partition_id: 'shardId-0000000001' })).json<Json>()
    ).toEqual({
      sequence_number: '99',
      metadata: 'm',
    })
  })

  it('T15 ⚠ after delete: by default 200 {"sequence_number":"-1","metadata":""}', async () => {
    expect((await del({ ...showQuery })).status).toBe(204)
    const res = await show()
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"sequence_number":"-1","metadata":""}')
  })

  it('sequence_number outside the partition range → DIS.4224; not a number → DIS.4216', async () => {
    expect(await code(await commit({ ...commitBody, sequence_number: '101' }))).toBe('DIS.4224')
    expect(await code(await commit({ ...commitBody, sequence_number: '-1' }))).toBe('DIS.4216')
    expect(await code(await commit({ ...commitBody, sequence_number: 'abc' }))).toBe('DIS.4216')
    expect((await commit({ ...commitBody, sequence_number: '100' })).status).toBe(201)
    expect((await commit({ ...commitBody, sequence_number: '0' })).status).toBe(201)
    expect((await commit({ ...commitBody, sequence_number: 5 })).status).toBe(201)
  })

  it('respects a seeded sequence_number_range', async () => {
    const child = await ctl.spawn({
      domain: { id: 'd'.repeat(32), name: 'acct' },
      projects: [{ id: 'p'.repeat(32), name: 'r1' }],
      users: [{ id: 'u'.repeat(32), name: 'u', password: 'pw' }],
      streams: [
        { name: 's', partitions: [{ status: 'ACTIVE', sequence_number_range: [289911, 289927] }] },
      ],
      apps: ['a'],
      checkpoints: [],
    })
    const tok = await fetchToken(child.url, {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'u', password: 'pw', domain: { name: 'acct' } } },
        },
        scope: { project: { name: 'r1' } },
      },
    })
    const post = (seq: string) =>
      fetch(checkpointsUrl(child.url, {}, 'p'.repeat(32)), {
        method: 'POST',
        headers: { 'X-Auth-Token': tok, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          stream_name: 's',
          app_name: 'a',
          partition_id: '0',
          sequence_number: seq,
          checkpoint_type: 'LAST_READ',
        }),
      })
    expect((await post('289910')).status).toBe(400)
    expect((await post('289927')).status).toBe(201)
    await child.shutdown()
  })

  it('body validation: empty → DIS.4202, not JSON → DIS.4300, missing fields', async () => {
    expect(await code(await commit(''))).toBe('DIS.4202')
    expect(await code(await commit('{oops'))).toBe('DIS.4300')
    expect(await code(await commit('[1]'))).toBe('DIS.4300')
    expect(await code(await commit({ ...commitBody, stream_name: 7.5 }))).toBe('DIS.4300')
    const { partition_id: _p, ...noPartition } = commitBody
    expect(await code(await commit(noPartition))).toBe('DIS.4201')
    const { sequence_number: _s, ...noSeq } = commitBody
    expect(await code(await commit(noSeq))).toBe('DIS.4200')
    expect(await code(await commit({ ...commitBody, metadata: 'x'.repeat(1001) }))).toBe('DIS.4200')
    expect((await commit({ ...commitBody, metadata: 'x'.repeat(1000) })).status).toBe(201)
  })

  it('commit/show resolve stream, app and partition like delete', async () => {
    expect(await code(await commit({ ...commitBody, stream_name: 'nope' }))).toBe('DIS.4301')
    expect(await code(await commit({ ...commitBody, app_name: 'nope' }))).toBe('DIS.4332')
    expect(await code(await commit({ ...commitBody, partition_id: '3' }))).toBe('DIS.4302')
    expect(await code(await commit({ ...commitBody, partition_id: 'x' }))).toBe('DIS.4201')
    expect(
      await code(await commit({ ...commitBody, stream_name: 'mixed', partition_id: '3' }))
    ).toBe('DIS.4319')
    expect(await code(await show({ ...showQuery, stream_name: 'nope' }))).toBe('DIS.4301')
    expect(await code(await show({ ...showQuery, partition_id: '9' }))).toBe('DIS.4302')
    const { partition_id: _, ...noPartition } = showQuery
    expect(await code(await show(noPartition))).toBe('DIS.4201')
  })

  it('checkpoint_type_required applies to commit and show too', async () => {
    const { checkpoint_type: _c, ...noType } = commitBody
    expect(await code(await commit(noType))).toBe('DIS.4200')
    const { checkpoint_type: _s, ...noTypeQuery } = showQuery
    expect(await code(await show(noTypeQuery))).toBe('DIS.4200')
    await ctl.settings({ checkpoint_type_required: false })
    expect((await commit(noType)).status).toBe(201)
    expect((await show(noTypeQuery)).status).toBe(200)
  })
})
