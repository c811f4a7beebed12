import { beforeAll, describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { capturedLogLines } from '../support/log-capture'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})

describe('routing', () => {
  it.each([
    '/',
    '/v1',
    '/v1/checkpoint',
    '/v2/checkpoints',
    '/v1/checkpoints/extra',
    '/v1/hooks',
    '/v1/hooks/ci/extra',
  ])('answers the unknown path %s with a 404 problem', async (path) => {
    const response = await gw.request(path, { method: 'DELETE' })
    expect(response.status).toBe(404)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-request-id')).toBeTruthy()
    const problem = await problemOf(response)
    expect(problem).toMatchObject({ status: 404, code: 'not_found', title: 'Not found' })
    expect(problem.request_id).toBe(response.headers.get('x-request-id'))
  })

  it.each([
    ['/v1/checkpoints', 'POST', 'DELETE, GET, HEAD'],
    ['/v1/checkpoints', 'PUT', 'DELETE, GET, HEAD'],
    ['/v1/hooks/ci', 'DELETE', 'POST'],
    ['/v1/resets', 'DELETE', 'GET, HEAD, POST'],
    ['/v1/resets/rst_x', 'DELETE', 'GET, HEAD'],
    ['/v1/resets/rst_x/undo', 'GET', 'POST'],
    ['/healthz', 'POST', 'GET, HEAD'],
    ['/healthz', 'DELETE', 'GET, HEAD'],
  ])('answers %s with %s as a 405 problem with Allow', async (path, method, allow) => {
    const response = await gw.request(path, { method })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe(allow)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect((await problemOf(response)).code).toBe('method_not_allowed')
  })

  it('answers HEAD /healthz', async () => {
    const response = await gw.request('/healthz', { method: 'HEAD' })
    expect(response.status).toBe(200)
  })
})

describe('request ids', () => {
  it("answers with the gateway's own id; a safe caller id is only client_request_id in the log", async () => {
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '0' },
      API_KEYS.billing,
      { 'X-Request-Id': 'trace-0af7651916cd43dd' }
    )
    const id = response.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(((await response.json()) as { request_id: string }).request_id).toBe(id)
    const line = capturedLogLines().find((l) => l.includes(`"request_id":"${id}"`))
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      request_id: id,
      client_request_id: 'trace-0af7651916cd43dd',
    })
  })

  it.each(['bad id with spaces', 'x'.repeat(129), 'id\u00e9', '<script>'])(
    'replaces the unsafe id %j',
    async (id) => {
      const response = await gw.request('/healthz', { headers: { 'X-Request-Id': id } })
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    }
  )
})

describe('misconfiguration fails closed', () => {
  it.each([
    ['GATEWAY_CLIENTS is not JSON', { GATEWAY_CLIENTS: '[{"id":' }],
    [
      'a client hash is not hex',
      { GATEWAY_CLIENTS: '[{"id":"a","api_key_sha256":["nothex"],"allow":["*/*"]}]' },
    ],
    ['the DIS endpoint is plain http to a public host', { DIS_ENDPOINT: 'http://dis.example.com' }],
    ['the project id is missing', { DIS_PROJECT_ID: '' }],
    ['the region is not a region', { DIS_REGION: 'evil.com#' }],
  ])('%s: 500 misconfigured on the API, healthz still answers', async (_why, bindings) => {
    const broken = await startGateway({ bindings })
    const response = await broken.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '0' },
      API_KEYS.ops
    )
    expect(response.status).toBe(500)
    const problem = await problemOf(response)
    expect(problem.code).toBe('misconfigured')
    expect(JSON.stringify(problem)).not.toMatch(/GATEWAY_CLIENTS|DIS_|endpoint|hex/i)
    expect((await broken.emulator.calls()).requests).toHaveLength(0)
    const health = await broken.request('/healthz')
    expect(health.status).toBe(503)
    expect(await health.json()).toEqual({ status: 'misconfigured', config: 'invalid' })
    const line = capturedLogLines().find((l) => l.includes(`"request_id":"${problem.request_id}"`))
    expect(line).toContain('"code":"misconfigured"')
    expect(line).toContain('"reason":')
  })

  it('a missing secret is misconfigured, even for a request without credentials', async () => {
    const broken = await startGateway({ bindings: { IAM_PASSWORD: '' } })
    const response = await broken.reset({
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
    })
    expect(response.status).toBe(500)
    expect((await problemOf(response)).code).toBe('misconfigured')
  })
})

describe('unexpected failures', () => {
  it('answer 500 internal with no stack trace or message on the wire, the reason in the log', async () => {
    const broken = await startGateway({
      app: {
        random: () => {
          throw new Error('boom at /srv/secret/internal/path')
        },
      },
    })
    // A 500 from DIS makes the retry policy ask for jitter, which throws.
    await broken.emulator.addFault({ route: 'delete_checkpoint', status: 500 })
    const response = await broken.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '0' },
      API_KEYS.billing
    )
    expect(response.status).toBe(500)
    const text = await response.clone().text()
    expect(text).not.toContain('boom')
    expect(text).not.toContain('/srv/')
    expect(text).not.toMatch(/at .*\(.*:\d+:\d+\)/)
    const problem = await problemOf(response)
    expect(problem).toMatchObject({ code: 'internal', status: 500, detail: 'Internal error' })
    const line = capturedLogLines().find((l) => l.includes(`"request_id":"${problem.request_id}"`))
    expect(line).toContain('"code":"internal"')
    expect(line).toContain('boom')
  })
})
