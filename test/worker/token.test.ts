import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startPureProxy } from '../support/gateway'
import { registerSecret, report } from '../support/log-capture'

const QUERY = { stream_name: 'orders', app_name: 'billing', partition_id: '1' }

describe('IAM token', () => {
  it('sends the password identity scoped to the project id, with nocatalog=true', async () => {
    const gw = await startPureProxy()
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    const { requests } = await gw.emulator.calls()
    const iam = requests.find((r) => r.route === 'iam_token')
    expect(iam?.method).toBe('POST')
    expect(iam?.path).toBe('/v3/auth/tokens')
    expect(iam?.query).toEqual({ nocatalog: ['true'] })
    expect(iam?.headers['content-type']).toMatch(/^application\/json/)
    const del = requests.find((r) => r.route === 'delete_checkpoint')
    expect(del?.headers['x-auth-token']).toMatch(/^MII/)
  })

  it('is fetched once and reused for sequential requests', async () => {
    const gw = await startPureProxy()
    for (let i = 0; i < 20; i++) expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    const { counts } = await gw.emulator.calls()
    expect(counts.iam_token).toBe(1)
    expect(counts.delete_checkpoint).toBe(20)
  })

  it('a burst of 50 concurrent cold requests all succeed with a bounded number of IAM calls', async () => {
    const gw = await startPureProxy()
    await gw.emulator.settings({ latency_ms: 20 })
    await gw.emulator.addFault({ route: 'iam_token', delay_ms: 100 })
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => gw.reset(QUERY, API_KEYS.billing))
    )
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200))
    const { counts } = await gw.emulator.calls()
    report(`cold burst of 50: ${counts.iam_token} IAM call(s)`)
    expect(counts.iam_token).toBeLessThanOrEqual(2)
    expect(counts.delete_checkpoint).toBe(50)
  })

  it('is refreshed from expires_at, not an assumed 24 h', async () => {
    const gw = await startPureProxy()
    await gw.emulator.settings({ token_ttl_seconds: 2 })
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect((await gw.emulator.calls()).counts.iam_token).toBe(1)
    // Refresh ahead: at most half of a short lifetime is used.
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect((await gw.emulator.calls()).counts.iam_token).toBe(2)
  })

  it('a token DIS rejects is dropped, a new one fetched and the DELETE retried once', async () => {
    const gw = await startPureProxy()
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    await gw.emulator.revokeTokens()
    await gw.emulator.resetCalls()
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(200)
    const { counts, requests } = await gw.emulator.calls()
    expect(counts.iam_token).toBe(1)
    expect(requests.filter((r) => r.route === 'delete_checkpoint').map((r) => r.status)).toEqual([
      401, 204,
    ])
  })

  it.each(['apigw', 'dis441'] as const)(
    'a token fresh from IAM that DIS rejects (%s) is a 502 with no second login, and trips the breaker',
    async (style) => {
      const gw = await startPureProxy()
      await gw.emulator.settings({ token_error_style: style })
      await gw.emulator.addFault({
        route: 'delete_checkpoint',
        status: style === 'apigw' ? 401 : 441,
        error_code: style === 'apigw' ? 'APIGW.0301' : 'DIS.4114',
      })
      // The identity is refused: ListStreams with the same token is refused too.
      await gw.emulator.addFault({
        route: 'list_streams',
        status: style === 'apigw' ? 401 : 441,
        error_code: style === 'apigw' ? 'APIGW.0301' : 'DIS.4114',
      })
      const response = await gw.reset(QUERY, API_KEYS.billing)
      expect(response.status).toBe(502)
      const problem = await problemOf(response)
      expect(problem.code).toBe('upstream_auth_failed')
      expect(problem.upstream).toEqual({
        status: style === 'apigw' ? 401 : 441,
        error_code: style === 'apigw' ? 'APIGW.0301' : 'DIS.4114',
      })
      // The token was issued during this very request: logging in again cannot help.
      expect((await gw.emulator.calls()).counts).toMatchObject({
        iam_token: 1,
        delete_checkpoint: 1,
        list_streams: 1,
      })
      // Later requests fail fast for the cool-down: no IAM call, no DIS call.
      expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(502)
      expect((await gw.emulator.calls()).counts).toMatchObject({
        iam_token: 1,
        delete_checkpoint: 1,
        list_streams: 1,
      })
    }
  )

  it('a cached token DIS rejects is replaced once; if DIS rejects the new one too, the breaker trips', async () => {
    const gw = await startPureProxy()
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      status: 401,
      error_code: 'APIGW.0301',
    })
    await gw.emulator.addFault({ route: 'list_streams', status: 401, error_code: 'APIGW.0301' })
    await gw.emulator.resetCalls()
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    const tripped = { iam_token: 1, delete_checkpoint: 2, list_streams: 1 }
    expect((await gw.emulator.calls()).counts).toMatchObject(tripped)
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    expect((await gw.emulator.calls()).counts).toMatchObject(tripped)
  })

  it('login storm: 50 concurrent requests whose fresh tokens DIS rejects make 1 IAM call', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      status: 401,
      error_code: 'APIGW.0301',
    })
    await gw.emulator.addFault({ route: 'list_streams', status: 401, error_code: 'APIGW.0301' })
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => gw.reset(QUERY, API_KEYS.billing))
    )
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([502]))
    const { counts } = await gw.emulator.calls()
    report(`login storm of 50: ${counts.iam_token} IAM, ${counts.delete_checkpoint} DIS calls`)
    expect(counts.iam_token).toBe(1)
    // One identity check for the whole burst (single-flight), not one per rejected request.
    expect(counts.list_streams).toBe(1)
    // Each request sends at most its one DELETE with the shared fresh token; none logs in again.
    expect(counts.delete_checkpoint).toBeLessThanOrEqual(50)
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    expect((await gw.emulator.calls()).counts.iam_token).toBe(1)
  })

  it('IAM refusing the password is a 502 upstream_auth_failed, one IAM call, no DELETE', async () => {
    registerSecret('not-the-password')
    const gw = await startPureProxy({ bindings: { IAM_PASSWORD: 'not-the-password' } })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(502)
    const problem = await problemOf(response)
    expect(problem.code).toBe('upstream_auth_failed')
    expect(problem.upstream).toEqual({ status: 401, error_code: '401' })
    // A second request inside the cooldown does not hit IAM again (account lock-out, DIS.4309).
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    const { counts } = await gw.emulator.calls()
    expect(counts.iam_token).toBe(1)
    expect(counts.delete_checkpoint).toBe(0)
  })

  it('IAM down is a 503 with Retry-After after a bounded number of tries', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'iam_token', reset: true })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toMatch(/^[0-9]+$/)
    expect((await problemOf(response)).code).toBe('upstream_unavailable')
    const { counts } = await gw.emulator.calls()
    expect(counts.iam_token).toBe(2)
    expect(counts.delete_checkpoint).toBe(0)
  })

  it('IAM throttling is a 503 carrying its Retry-After', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'iam_token',
      status: 429,
      error_code: 'IAM.0012',
      retry_after: '30',
    })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('30')
    expect((await gw.emulator.calls()).counts.iam_token).toBe(1)
  })

  it('a 201 without a usable token caches nothing', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'iam_token',
      status: 201,
      body: { token: { expires_at: '2099-01-01T00:00:00.000000Z' } },
      times: 1,
    })
    const first = await gw.reset(QUERY, API_KEYS.billing)
    expect(first.status).toBe(502)
    expect((await problemOf(first)).code).toBe('upstream_error')
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    const { counts } = await gw.emulator.calls()
    expect(counts.iam_token).toBe(2)
    expect(counts.delete_checkpoint).toBe(1)
  })
})
