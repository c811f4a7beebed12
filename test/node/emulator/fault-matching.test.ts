// Fault matching: route, stream_name, partition_id (any form), times/skip, rule order, validation.
import { beforeEach, describe, expect, it } from 'vitest'
import { checkpointsUrl, requestToken, streamUrl } from '../../../emulator/demo.ts'
import { CHECKPOINT_BASE, ctl, deletePartition, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()
const base = CHECKPOINT_BASE
// The token request above is not part of what these tests count.
beforeEach(() => ctl.resetCalls())

const del = deletePartition

describe('fault matching', () => {
  it('skip lets the first N through, times spends the rule', async () => {
    await ctl.setFaults([{ route: 'delete_checkpoint', skip: 1, times: 2, status: 503 }])
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await del()).status)
    expect(statuses).toEqual([204, 503, 503, 204])
    expect((await ctl.calls()).requests.map((r) => r.fault)).toEqual([false, true, true, false])
  })

  it('partition_id matches the partition number in any form; stream_name must match', async () => {
    await ctl.setFaults([
      {
        route: 'delete_checkpoint',
        partition_id: 'shardId-0000000002',
        stream_name: 'orders',
        status: 500,
      },
    ])
    expect((await del('2')).status).toBe(500)
    expect((await del('shardId-0000000002')).status).toBe(500)
    expect((await del('1')).status).toBe(204)
    expect((await del('2', {}, 'events')).status).toBe(204)
    const noPartition = await fetch(checkpointsUrl(emu.url, base), {
      method: 'DELETE',
      headers: { 'X-Auth-Token': token },
    })
    expect(noPartition.status).toBe(204)
  })

  it('commit rules match on the body; describe rules on the path stream', async () => {
    await ctl.setFaults([
      { route: 'commit_checkpoint', partition_id: '1', status: 500 },
      { route: 'describe_stream', stream_name: 'big', status: 503 },
    ])
    const commit = (partition_id: string) =>
      fetch(checkpointsUrl(emu.url, {}), {
        method: 'POST',
        headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...base, partition_id, sequence_number: '1' }),
      })
    expect((await commit('1')).status).toBe(500)
    expect((await commit('0')).status).toBe(201)
    expect(
      (await fetch(streamUrl(emu.url, 'big'), { headers: { 'X-Auth-Token': token } })).status
    ).toBe(503)
    expect(
      (await fetch(streamUrl(emu.url, 'orders'), { headers: { 'X-Auth-Token': token } })).status
    ).toBe(200)
  })

  it("route 'any' matches every upstream route, in rule order", async () => {
    await ctl.setFaults([
      { route: 'iam_token', status: 401, times: 1 },
      { route: 'any', status: 418 },
    ])
    expect((await requestToken(emu.url)).status).toBe(401)
    expect((await requestToken(emu.url)).status).toBe(418)
    expect((await del()).status).toBe(418)
    expect((await fetch(`${emu.url}/unknown`)).status).toBe(418)
  })

  it('addFault appends, clearFaults clears', async () => {
    await ctl.addFault({ route: 'delete_checkpoint', status: 500, times: 1 })
    await ctl.addFault({ route: 'delete_checkpoint', status: 502, times: 1 })
    expect((await del()).status).toBe(500)
    expect((await del()).status).toBe(502)
    await ctl.addFault({ route: 'delete_checkpoint', status: 500 })
    await ctl.clearFaults()
    expect((await del()).status).toBe(204)
  })

  it('invalid rules are refused with the offending fields named', async () => {
    const res = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        rules: [
          { route: 'delete_checkpoint' },
          { route: 'nope', status: 'x', partition_id: 'abc', bogus: 1 },
        ],
      }),
    })
    expect(res.status).toBe(400)
    expect(await res.json<Json>()).toEqual({
      error: 'invalid fault rule',
      invalid: ['rules[1].route', 'rules[1].status', 'rules[1].partition_id', 'rules[1].bogus'],
    })
    await expect(ctl.addFault({ times: -1 } as never)).rejects.toThrow(/route/)
  })
})
