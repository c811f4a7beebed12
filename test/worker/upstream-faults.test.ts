import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { FAST_RETRY, problemOf, startPureProxy } from '../support/gateway'

const QUERY = { stream_name: 'orders', app_name: 'billing', partition_id: '1' }

async function deletes(gw: Awaited<ReturnType<typeof startPureProxy>>) {
  return (await gw.emulator.calls()).requests.filter((r) => r.route === 'delete_checkpoint')
}

describe('retries', () => {
  it('retries 5xx and succeeds on the third attempt', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      status: 500,
      error_code: 'DIS.5000',
      times: 2,
    })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(200)
    expect((await deletes(gw)).map((r) => r.status)).toEqual([500, 500, 204])
  })

  it('gives up after 3 attempts with a 502 that names only status and code', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      status: 500,
      body: {
        errorCode: 'DIS.5000',
        message: 'System error. [0a1b2c3d4e5f60718293a4b5c6d7e8f9][secret-internal-host]',
      },
    })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(502)
    const text = await response.clone().text()
    const problem = await problemOf(response)
    expect(problem.code).toBe('upstream_error')
    expect(problem.upstream).toEqual({ status: 500, error_code: 'DIS.5000' })
    expect(text).not.toContain('0a1b2c3d4e5f60718293a4b5c6d7e8f9')
    expect(text).not.toContain('secret-internal-host')
    expect(text).not.toContain('127.0.0.1')
    expect(await deletes(gw)).toHaveLength(3)
  })

  it('retries a connection reset, then answers 503 with Retry-After', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', reset: true })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect((await problemOf(response)).code).toBe('upstream_unavailable')
    // 3 attempts; workerd repeats the first, sent on the connection the IAM call left idle
    // (test/worker/wire-attempts.test.ts measures the bound: ≤ 2 per logged attempt).
    expect(await deletes(gw)).toHaveLength(4)
  })

  it('a hanging DIS is cut by the per-attempt timeout and the deadline: 504', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', hang: true })
    const started = Date.now()
    const response = await gw.reset(QUERY, API_KEYS.billing)
    const elapsed = Date.now() - started
    expect(response.status).toBe(504)
    expect((await problemOf(response)).code).toBe('upstream_timeout')
    expect(elapsed).toBeLessThan((FAST_RETRY.deadlineMs ?? 0) + 1_000)
    expect((await deletes(gw)).length).toBeGreaterThanOrEqual(2)
    expect((await deletes(gw)).length).toBeLessThanOrEqual(3)
  })

  it('a slow DIS within the attempt timeout is fine', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', delay_ms: 150 })
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect(await deletes(gw)).toHaveLength(1)
  })

  it('honours a Retry-After that fits the deadline', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      status: 429,
      error_code: 'APIGW.0308',
      retry_after: '1',
      times: 1,
    })
    const started = Date.now()
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect((await deletes(gw)).map((r) => r.status)).toEqual([429, 204])
  })

  it('does not wait for a Retry-After past the deadline: 429 rate_limited carries it on', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      status: 429,
      error_code: 'APIGW.0308',
      retry_after: '120',
    })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    // It did not wait 120 s: one DELETE, and the answer carries the wait on.
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(1)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('120')
    const problem = await problemOf(response)
    expect(problem.code).toBe('rate_limited')
    expect(problem.upstream).toEqual({ status: 429, error_code: 'APIGW.0308' })
    expect(await deletes(gw)).toHaveLength(1)
  })

  it.each(['DIS.4303', 'DIS.4305'])('treats %s as throttling: retried, then 429', async (code) => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 400, error_code: code })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toMatch(/^[0-9]+$/)
    expect(await deletes(gw)).toHaveLength(3)
  })
})

describe('answers that are not retried', () => {
  it.each([
    ['stream', { ...QUERY, stream_name: 'nosuchstream' }, 'stream_not_found', 'DIS.4301'],
    ['app', { ...QUERY, app_name: 'nosuchapp' }, 'app_not_found', 'DIS.4332'],
    ['partition', { ...QUERY, partition_id: '99' }, 'partition_not_found', 'DIS.4302'],
    [
      'expired partition',
      { stream_name: 'mixed', app_name: 'billing', partition_id: '3' },
      'partition_not_found',
      'DIS.4319',
    ],
  ])('unknown %s → 404 %s, one attempt', async (_what, query, code, disCode) => {
    for (const shape of ['sdk', 'doc'] as const) {
      const gw = await startPureProxy()
      await gw.emulator.settings({ error_shape: shape })
      const response = await gw.reset(query, API_KEYS.ops)
      expect(response.status).toBe(404)
      const problem = await problemOf(response)
      expect(problem.code).toBe(code)
      expect(problem.upstream).toEqual({ status: 400, error_code: disCode })
      expect(await deletes(gw)).toHaveLength(1)
    }
  })

  it('a redirect is a 502 and the token never goes to the other host', async () => {
    const gw = await startPureProxy()
    const elsewhere = await gw.emulator.spawn()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      redirect_to: `${elsewhere.url}/v2/x/checkpoints`,
    })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(502)
    expect((await problemOf(response)).upstream).toEqual({ status: 307, error_code: null })
    expect(await deletes(gw)).toHaveLength(1)
    expect((await elsewhere.calls()).requests).toHaveLength(0)
  })

  it('a garbage error body is a bounded 502 with no error code', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 400, garbage_body: true })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(502)
    expect((await problemOf(response)).upstream).toEqual({ status: 400, error_code: null })
  })

  it('a huge upstream body never makes a huge problem', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      status: 400,
      body: { errorCode: 'DIS.4200', message: 'x'.repeat(200_000) },
    })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(502)
    expect((await response.text()).length).toBeLessThan(1_000)
  })

  it('DIS refusing our project is upstream_auth_failed (an operator problem, not the caller’s)', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 400, error_code: 'DIS.4117' })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(502)
    expect((await problemOf(response)).code).toBe('upstream_auth_failed')
    expect(await deletes(gw)).toHaveLength(1)
  })

  it('DIS blacklisting our IP is a 503 with a long Retry-After and no retry', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 403, error_code: 'DIS.4309' })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1800')
    expect(await deletes(gw)).toHaveLength(1)
  })
})

describe('what reaches DIS', () => {
  it('carries nothing from the caller: no key, no cookie, no custom header', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(QUERY, API_KEYS.billing, {
      Cookie: 'session=abc',
      'X-Forwarded-For': '203.0.113.9',
      'X-Custom': 'caller-value',
      'X-Request-Id': 'caller-req-1',
    })
    expect(response.status).toBe(200)
    for (const call of (await gw.emulator.calls()).requests) {
      const names = Object.keys(call.headers)
      expect(names).not.toContain('authorization')
      expect(names).not.toContain('cookie')
      expect(names).not.toContain('x-custom')
      expect(JSON.stringify(call.headers)).not.toContain(API_KEYS.billing)
      expect(JSON.stringify(call.headers)).not.toContain('caller-value')
    }
  })
})
