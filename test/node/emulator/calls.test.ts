// Call counters, request log, in-flight tracking and the APIGW 404 for unknown paths.
import { describe, expect, it } from 'vitest'
import { checkpointsUrl, DEMO, fetchToken, streamUrl } from '../../../emulator/demo.ts'
import { ctl, deleteOrdersZero, emu, ORDERS_ZERO, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()
const query = ORDERS_ZERO

const del = deleteOrdersZero

describe('calls', () => {
  it('counts every upstream route, logs query and all headers, never control requests', async () => {
    await ctl.resetCalls()
    await del()
    await fetch(checkpointsUrl(emu.url, query), { headers: { 'X-Auth-Token': token } })
    await fetch(streamUrl(emu.url, 'orders'), { headers: { 'X-Auth-Token': token } })
    await fetch(`${emu.url}/v2/${DEMO.projectId}/apps/billing`, {
      headers: { 'X-Auth-Token': token },
    })
    await fetchToken(emu.url)
    await ctl.settings({})
    await ctl.checkpoints()
    const report = await ctl.calls()
    expect(report.counts).toEqual({
      iam_token: 1,
      delete_checkpoint: 1,
      commit_checkpoint: 0,
      show_checkpoint: 1,
      describe_stream: 1,
      list_streams: 0,
      get_cursor: 0,
      get_records: 0,
      other: 1,
    })
    expect(report.requests.map((r) => r.route)).toEqual([
      'delete_checkpoint',
      'show_checkpoint',
      'describe_stream',
      'other',
      'iam_token',
    ])
    const [first] = report.requests
    expect(first).toMatchObject({
      method: 'DELETE',
      path: `/v2/${DEMO.projectId}/checkpoints`,
      query: {
        stream_name: ['orders'],
        app_name: ['billing'],
        checkpoint_type: ['LAST_READ'],
        partition_id: ['0'],
      },
      status: 204,
      fault: false,
    })
    expect(first?.headers['x-auth-token']).toBe(token)
    expect(first?.headers['x-custom']).toBe('a')
    expect(first?.headers.host).toBe(new URL(emu.url).host)
    expect(first?.ended_at).toBeGreaterThanOrEqual(first?.started_at ?? Number.POSITIVE_INFINITY)
    expect(report.requests[3]?.status).toBe(404)
  })

  it('unknown paths → 404 APIGW.0101', async () => {
    const res = await fetch(`${emu.url}/v2/${DEMO.projectId}/nope`)
    expect(res.status).toBe(404)
    expect(await res.json<Json>()).toEqual({
      error_msg: 'The API does not exist or has not been published in the environment.',
      error_code: 'APIGW.0101',
      request_id: res.headers.get('x-request-id'),
    })
    expect((await fetch(checkpointsUrl(emu.url, query), { method: 'PUT' })).status).toBe(404)
  })

  it('latency_ms + 8 concurrent DIS requests → peak_in_flight 8; calls/reset clears', async () => {
    // 1 s of latency: wide enough that all 8 overlap and the IAM check below has a real margin,
    // however loaded the machine is.
    await ctl.settings({ latency_ms: 1000 })
    await ctl.resetCalls()
    const t0 = Date.now()
    const results = await Promise.all(Array.from({ length: 8 }, () => del()))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990)
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(204))
    const report = await ctl.calls()
    expect(report.peak_in_flight).toBe(8)
    expect(report.in_flight).toBe(0)
    expect(report.counts.delete_checkpoint).toBe(8)
    // IAM calls are not delayed and not part of the DIS in-flight count
    const i0 = Date.now()
    await fetchToken(emu.url)
    expect(Date.now() - i0).toBeLessThan(500)
    await ctl.resetCalls()
    const cleared = await ctl.calls()
    expect(cleared.peak_in_flight).toBe(0)
    expect(cleared.requests).toEqual([])
    expect(cleared.counts.delete_checkpoint).toBe(0)
  })

  it('in_flight counts requests still running', async () => {
    await ctl.setFaults([{ route: 'delete_checkpoint', hang: true }])
    const inFlight = async () => (await ctl.calls()).in_flight
    const until = async (n: number) => {
      for (let i = 0; i < 100 && (await inFlight()) !== n; i++)
        await new Promise((r) => setTimeout(r, 10))
    }
    const aborters = [new AbortController(), new AbortController()]
    const hung = aborters.map((a) =>
      fetch(checkpointsUrl(emu.url, query), {
        method: 'DELETE',
        headers: { 'X-Auth-Token': token },
        signal: a.signal,
      }).catch(() => null)
    )
    await until(2)
    expect(await inFlight()).toBe(2)
    aborters[0]?.abort()
    await hung[0]
    await until(1)
    expect(await inFlight()).toBe(1)
    await ctl.resetCalls()
    expect((await ctl.calls()).peak_in_flight).toBe(1) // the peak restarts from what is still running
    aborters[1]?.abort()
    await hung[1]
    await until(0)
    expect(await inFlight()).toBe(0)
  })
})
