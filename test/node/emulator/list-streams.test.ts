// ListStreams `GET /v2/{project_id}/streams` (docs/emulator.md § Emulated APIs).
import { describe, expect, it } from 'vitest'
import { DEMO, fetchToken, streamsUrl, tokenRequestBody } from '../../../emulator/demo.ts'
import { ctl, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()

function listStreams(query: Record<string, string> = {}, tok = token, project?: string) {
  return fetch(streamsUrl(emu.url, query, project), { headers: { 'X-Auth-Token': tok } })
}

describe('GET /v2/{project_id}/streams', () => {
  it('lists the project streams in name order with total_number and details', async () => {
    const res = await listStreams({ limit: '100' })
    expect(res.status).toBe(200)
    const body = await res.json<Json>()
    expect(Object.keys(body)).toEqual([
      'total_number',
      'stream_names',
      'has_more_streams',
      'stream_info_list',
    ])
    expect(body.total_number).toBe(4)
    expect(body.stream_names).toEqual(['big', 'events', 'mixed', 'orders'])
    expect(body.has_more_streams).toBe(false)
    expect(body.stream_info_list[3]).toMatchObject({
      stream_name: 'orders',
      partition_count: 3,
      retention_period: 24,
      status: 'RUNNING',
      stream_type: 'COMMON',
      data_type: 'BLOB',
    })
  })

  it('pages with limit and an exclusive start_stream_name; limit=1 is one stream', async () => {
    const first = await (await listStreams({ limit: '1' })).json<Json>()
    expect(first).toMatchObject({ total_number: 4, stream_names: ['big'], has_more_streams: true })
    const next = await (await listStreams({ limit: '2', start_stream_name: 'big' })).json<Json>()
    expect(next).toMatchObject({ stream_names: ['events', 'mixed'], has_more_streams: true })
    const last = await (await listStreams({ limit: '2', start_stream_name: 'mixed' })).json<Json>()
    expect(last).toMatchObject({ stream_names: ['orders'], has_more_streams: false })
  })

  it('limit outside 1–100 → 400 DIS.4200; default page is 10', async () => {
    for (const limit of ['0', '101', 'x', '']) {
      const res = await listStreams({ limit })
      expect(res.status).toBe(400)
      expect((await res.json<Json>()).errorCode).toBe('DIS.4200')
    }
    expect((await (await listStreams()).json<Json>()).stream_names).toHaveLength(4)
  })

  it('same token checks as every DIS route; counted and faultable as list_streams', async () => {
    const none = await fetch(streamsUrl(emu.url))
    expect(none.status).toBe(401)
    expect((await none.json<Json>()).error_code).toBe('APIGW.0301')
    const other = await fetchToken(
      emu.url,
      tokenRequestBody({ scope: { project: { id: DEMO.otherProjectId } } })
    )
    const wrong = await listStreams({}, other)
    expect(wrong.status).toBe(400)
    expect((await wrong.json<Json>()).errorCode).toBe('DIS.4117')
    const own = await (await listStreams({}, other, DEMO.otherProjectId)).json<Json>()
    expect(own).toMatchObject({ total_number: 0, stream_names: [], has_more_streams: false })

    await ctl.addFault({ route: 'list_streams', times: 1, status: 503 })
    expect((await listStreams()).status).toBe(503)
    expect((await listStreams()).status).toBe(200)
    const report = await ctl.calls()
    expect(report.counts.list_streams).toBe(5)
    expect(report.requests.at(-1)).toMatchObject({
      route: 'list_streams',
      method: 'GET',
      status: 200,
    })
  })
})
