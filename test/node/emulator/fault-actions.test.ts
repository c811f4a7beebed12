// Fault actions: status/error_code, body, headers, delay, hang, reset, redirect, garbage.
import { beforeEach, describe, expect, it } from 'vitest'
import { requestToken, streamUrl } from '../../../emulator/demo.ts'
import { ctl, deletePartition, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()
// The token request above is not part of what these tests count.
beforeEach(() => ctl.resetCalls())

const del = deletePartition

async function waitFor(check: () => Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('condition not reached')
}

describe('fault actions', () => {
  it('status + error_code → body in the current DIS error shape', async () => {
    await ctl.setFaults([{ route: 'delete_checkpoint', status: 400, error_code: 'DIS.4303' }])
    const res = await del()
    expect(res.status).toBe(400)
    expect(await res.json<Json>()).toEqual({
      errorCode: 'DIS.4303',
      message: 'Exceeded traffic control limit.',
    })
    await ctl.settings({ error_shape: 'doc' })
    expect(await (await del()).json<Json>()).toEqual({
      error_code: 'DIS.4303',
      error_msg: 'Exceeded traffic control limit.',
    })
    const calls = await ctl.calls()
    expect(calls.requests.map((r) => [r.status, r.fault])).toEqual([
      [400, true],
      [400, true],
    ])
    // the fault answered: the checkpoint is untouched
    expect((await ctl.checkpoints()).filter((c) => c.stream_name === 'orders')).toHaveLength(3)
  })

  it('T13: APIGW codes use the APIGW shape; status defaults from the code', async () => {
    await ctl.setFaults([
      { route: 'delete_checkpoint', error_code: 'APIGW.0308', retry_after: '2' },
    ])
    const res = await del()
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('2')
    const body = await res.json<Json>()
    expect(body).toEqual({
      error_msg:
        'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second',
      error_code: 'APIGW.0308',
      request_id: res.headers.get('x-request-id'),
    })
  })

  it('status only → a plausible default body per status', async () => {
    await ctl.setFaults([
      { route: 'delete_checkpoint', status: 503, times: 1 },
      { route: 'delete_checkpoint', status: 429 },
    ])
    const a = await del()
    expect(a.status).toBe(503)
    expect(await a.json<Json>()).toEqual({ errorCode: 'DIS.5000', message: 'System error.' })
    const b = await del()
    expect(b.status).toBe(429)
    expect((await b.json<Json>()).error_code).toBe('APIGW.0308')
  })

  it('iam_token faults use the nested IAM shape and issue no token', async () => {
    await ctl.setFaults([
      { route: 'iam_token', error_code: 'IAM.0061', times: 1 },
      { route: 'iam_token', status: 500, times: 1 },
      { route: 'iam_token', status: 429, error_code: 'APIGW.0308', times: 1 },
    ])
    const locked = await requestToken(emu.url)
    expect(locked.status).toBe(401)
    expect(locked.headers.get('x-subject-token')).toBeNull()
    expect(await locked.json<Json>()).toEqual({
      error: { code: 401, message: 'Account locked.', title: 'Unauthorized' },
    })
    const broken = await requestToken(emu.url)
    expect(await broken.json<Json>()).toEqual({
      error: { code: 500, message: 'Internal Server Error', title: 'Internal Server Error' },
    })
    const throttled = await requestToken(emu.url)
    expect(throttled.status).toBe(429)
    expect((await throttled.json<Json>()).error_code).toBe('APIGW.0308')
    expect(await ctl.tokens()).toEqual([token])
    expect((await requestToken(emu.url)).status).toBe(201)
  })

  it('explicit body: object → JSON, string → raw; extra headers', async () => {
    await ctl.setFaults([
      { route: 'delete_checkpoint', status: 502, body: { custom: true }, times: 1 },
      {
        route: 'delete_checkpoint',
        status: 502,
        body: '<html>bad gateway</html>',
        headers: { 'Content-Type': 'text/html' },
        times: 1,
      },
    ])
    const a = await del()
    expect(a.status).toBe(502)
    expect(await a.json<Json>()).toEqual({ custom: true })
    const b = await del()
    expect(b.headers.get('content-type')).toBe('text/html')
    expect(await b.text()).toBe('<html>bad gateway</html>')
  })

  it('delay_ms alone delays the normal answer; with status it delays the fault', async () => {
    await ctl.setFaults([
      { route: 'delete_checkpoint', partition_id: '0', delay_ms: 150 },
      { route: 'delete_checkpoint', partition_id: '1', delay_ms: 150, status: 500 },
    ])
    let t0 = Date.now()
    const ok = await del('0')
    expect(ok.status).toBe(204)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
    t0 = Date.now()
    expect((await del('1')).status).toBe(500)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
    const calls = await ctl.calls()
    expect(calls.requests.every((r) => r.fault)).toBe(true)
  })

  it('headers / retry_after alone decorate the normal answer', async () => {
    await ctl.setFaults([
      {
        route: 'describe_stream',
        headers: { 'X-Extra': 'yes' },
        retry_after: 'Wed, 21 Oct 2026 07:28:00 GMT',
      },
    ])
    const res = await fetch(streamUrl(emu.url, 'orders'), { headers: { 'X-Auth-Token': token } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-extra')).toBe('yes')
    expect(res.headers.get('retry-after')).toBe('Wed, 21 Oct 2026 07:28:00 GMT')
  })

  it('hang: no answer until the client aborts; logged with status null', async () => {
    await ctl.setFaults([{ route: 'delete_checkpoint', hang: true }])
    const started = Date.now()
    await expect(del('0', { signal: AbortSignal.timeout(200) })).rejects.toThrow()
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    await waitFor(async () => (await ctl.calls()).requests[0]?.ended_at != null)
    const calls = await ctl.calls()
    expect(calls.requests[0]).toMatchObject({
      route: 'delete_checkpoint',
      status: null,
      fault: true,
    })
    expect(calls.in_flight).toBe(0)
    expect((await ctl.checkpoints()).filter((c) => c.stream_name === 'orders')).toHaveLength(3)
  })

  it('reset: the socket is destroyed without a response → network error', async () => {
    await ctl.setFaults([{ route: 'delete_checkpoint', reset: true }])
    const err = await del().then(
      () => null,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(TypeError) // fetch failed
    const calls = await ctl.calls()
    expect(calls.requests[0]).toMatchObject({ status: null, fault: true })
    expect(calls.requests[0]?.ended_at).not.toBeNull()
  })

  it('redirect_to → 307 with Location', async () => {
    await ctl.setFaults([
      { route: 'delete_checkpoint', redirect_to: 'http://127.0.0.1:1/elsewhere' },
    ])
    const res = await del('0', { redirect: 'manual' })
    expect(res.status).toBe(307)
    expect(res.headers.get('location')).toBe('http://127.0.0.1:1/elsewhere')
  })

  it('garbage_body → application/json that does not parse (status 200 or as given)', async () => {
    await ctl.setFaults([
      { route: 'delete_checkpoint', garbage_body: true, times: 1 },
      { route: 'delete_checkpoint', garbage_body: true, status: 400 },
    ])
    const a = await del()
    expect(a.status).toBe(200)
    expect(a.headers.get('content-type')).toBe('application/json')
    await expect(a.json<Json>()).rejects.toThrow()
    const b = await del()
    expect(b.status).toBe(400)
    await expect(b.json<Json>()).rejects.toThrow()
  })
})
