import { describe, expect, it, vi } from 'vitest'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { API_KEYS, sha256Hex } from '../support/fixtures'
import { problemOf, startGateway, startPureProxy } from '../support/gateway'
import { capturedLogLines, registerSecret } from '../support/log-capture'

/** Findings of the adversarial review of version 1, each pinned by a test (issue 9). */

const SECRET = 'whsec_aGFyZGVuaW5nLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzIQ=='
registerSecret(SECRET)
const QUERY = { stream_name: 'orders', app_name: 'billing', partition_id: '1' }

function logLinesFor(requestId: string): string[] {
  return capturedLogLines().filter((line) => line.includes(requestId))
}

describe('logs never carry the value of an unknown parameter', () => {
  it('a key put in the query string by mistake is not logged, its name is', async () => {
    const gw = await startGateway()
    const response = await gw.reset(
      `stream_name=orders&app_name=billing&partition_id=1&access_token=${API_KEYS.billing}`,
      API_KEYS.billing,
      { 'X-Request-Id': 'leak-check-1' }
    )
    expect(response.status).toBe(400)
    const body = await response.text()
    expect(body).not.toContain(API_KEYS.billing)
    const lines = logLinesFor('leak-check-1')
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain(API_KEYS.billing)
    const record = JSON.parse(lines[0] ?? '{}') as { rejected: { field: string; value?: string }[] }
    expect(record.rejected).toContainEqual({ field: 'access_token' })
    expect(record.rejected).toContainEqual({ field: 'stream_name', value: 'orders' })
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(0)
  })
})

describe('idempotent DELETE', () => {
  it('DIS.4375 (nothing committed) on a DELETE is a successful reset', async () => {
    const gw = await startGateway()
    await gw.emulator.settings({ delete_missing_checkpoint: 'error' })
    // `audit` has no committed checkpoint in the demo world: DIS answers DIS.4375.
    const query = { stream_name: 'orders', app_name: 'audit', partition_id: '1' }
    const response = await gw.reset(query, API_KEYS.ops)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ partitions: ['shardId-0000000001'] })
    const { requests } = await gw.emulator.calls()
    const deletes = requests.filter((r) => r.route === 'delete_checkpoint')
    expect(deletes.map((r) => r.status)).toEqual([400])
  })

  it('repeating a reset succeeds even where DIS answers DIS.4375 the second time', async () => {
    const gw = await startGateway()
    await gw.emulator.settings({ delete_missing_checkpoint: 'error' })
    const query = { ...QUERY, app_name: 'billing', partition_id: 'all' }
    expect((await gw.reset(query, API_KEYS.billing)).status).toBe(200)
    expect((await gw.reset(query, API_KEYS.billing)).status).toBe(200)
  })

  it('DIS.4201 (invalid partition id) is the caller’s 400, not an upstream error', async () => {
    const gw = await startGateway()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 400, error_code: 'DIS.4201' })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(400)
    const problem = await problemOf(response)
    expect(problem.code).toBe('invalid_request')
    expect(problem.upstream).toEqual({ status: 400, error_code: 'DIS.4201' })
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(1)
  })
})

describe('input strictness on the bearer route', () => {
  it.each<[string, { body: string; headers?: Record<string, string> }]>([
    ['a string body', { body: 'partition_id=2' }],
    [
      'a JSON body',
      { body: '{"partition_id":2}', headers: { 'Content-Type': 'application/json' } },
    ],
  ])('a DELETE with %s is a 400 with no upstream call', async (_, init) => {
    const gw = await startGateway()
    const response = await gw.request(`/v1/checkpoints?${new URLSearchParams(QUERY)}`, {
      method: 'DELETE',
      body: init.body,
      headers: { Authorization: `Bearer ${API_KEYS.billing}`, ...init.headers },
    })
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors).toEqual([
      { field: '(body)', message: 'a body is not accepted on this method' },
    ])
    expect((await gw.emulator.calls()).counts).toMatchObject({ iam_token: 0, delete_checkpoint: 0 })
  })

  it.each(['=x', '=', '&=&'])(
    'a query parameter with an empty name (%s) is a 400',
    async (extra) => {
      const gw = await startGateway()
      const response = await gw.reset(`${new URLSearchParams(QUERY)}&${extra}`, API_KEYS.billing)
      expect(response.status).toBe(400)
      expect((await problemOf(response)).errors).toContainEqual({
        field: '(query)',
        message: 'a parameter name must not be empty',
      })
      expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(0)
    }
  )
})

describe('webhook timing and slow bodies', () => {
  it('an unknown client costs the same signature work as a wrong signature', async () => {
    const gw = await startGateway({
      clients: [{ id: 'hook', webhook_secrets: [SECRET], allow: ['*/*'] }],
    })
    const body = JSON.stringify(QUERY)
    const headers = await standardWebhookHeaders({
      secret: 'whsec_d3JvbmctYnV0LXdlbGwtZm9ybWVkLXNlY3JldCE=',
      id: 'msg_timing',
      timestamp: Math.floor(Date.now() / 1000),
      body,
    })
    const sign = vi.spyOn(crypto.subtle, 'sign')
    const post = (client: string) =>
      gw.request(`/v1/hooks/${client}`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', ...headers },
      })
    expect((await post('hook')).status).toBe(401)
    const forWrongSignature = sign.mock.calls.length
    expect((await post('no-such-client')).status).toBe(401)
    const forUnknownClient = sign.mock.calls.length - forWrongSignature
    sign.mockRestore()
    expect(forWrongSignature).toBe(1)
    expect(forUnknownClient).toBe(forWrongSignature)
  })

  it('a body that does not arrive in time is a 408, and nothing is sent upstream', async () => {
    const gw = await startGateway({
      clients: [{ id: 'hook', webhook_secrets: [SECRET], allow: ['*/*'] }],
      app: { webhookBodyTimeoutMs: 200 },
    })
    // One byte, then nothing: a sender (or attacker) trickling its body.
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{'))
      },
    })
    const started = Date.now()
    const response = await gw.request('/v1/hooks/hook', {
      method: 'POST',
      body: stalled,
      headers: { 'Content-Type': 'application/json' },
      // @ts-expect-error workerd needs duplex for a streamed request body
      duplex: 'half',
    })
    expect(response.status).toBe(408)
    expect((await problemOf(response)).code).toBe('request_timeout')
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    expect((await gw.emulator.calls()).counts).toMatchObject({ iam_token: 0, delete_checkpoint: 0 })
  }, 30_000)
})

describe('configuration that must fail closed', () => {
  it.each([
    ['WORKERS_SUBREQUEST_LIMIT=00', { WORKERS_SUBREQUEST_LIMIT: '00' }],
    ['WORKERS_SUBREQUEST_LIMIT=9', { WORKERS_SUBREQUEST_LIMIT: '9' }],
    ['WORKERS_SUBREQUEST_LIMIT=1e3', { WORKERS_SUBREQUEST_LIMIT: '1e3' }],
    ['REPLAY_RETENTION_HOURS=0', { REPLAY_RETENTION_HOURS: '0' }],
    ['LEDGER_RETENTION_DAYS=366', { LEDGER_RETENTION_DAYS: '366' }],
    ['RESET_LEDGER=maybe', { RESET_LEDGER: 'maybe' }],
  ])('%s → 500 misconfigured, /healthz says invalid', async (_, bindings) => {
    const gw = await startGateway({ bindings })
    const response = await gw.reset(QUERY, API_KEYS.billing)
    expect(response.status).toBe(500)
    expect((await problemOf(response)).code).toBe('misconfigured')
    expect(await (await gw.request('/healthz')).json()).toMatchObject({ config: 'invalid' })
    expect((await gw.emulator.calls()).counts.iam_token).toBe(0)
  })

  it.each([
    [
      'a GitHub secret shorter than 16 characters',
      async () => [
        { id: 'gh', signature: 'github', webhook_secrets: ['short-secret'], allow: ['*/*'] },
      ],
    ],
    [
      'one API-key hash on two clients',
      async () => [
        { id: 'a', api_key_sha256: [await sha256Hex(API_KEYS.billing)], allow: ['orders/*'] },
        { id: 'b', api_key_sha256: [await sha256Hex(API_KEYS.billing)], allow: ['*/*'] },
      ],
    ],
    [
      'one webhook secret on two clients (also written without whsec_)',
      async () => [
        { id: 'a', webhook_secrets: [SECRET], allow: ['orders/*'] },
        { id: 'b', webhook_secrets: [SECRET.slice('whsec_'.length)], allow: ['*/*'] },
      ],
    ],
    [
      'a target outside its client’s allow',
      async () => [
        {
          id: 'a',
          webhook_secrets: [SECRET],
          allow: ['orders/*'],
          target: { stream_name: 'events', app_name: 'billing', partition_id: 1 },
        },
      ],
    ],
  ])('%s → 500 misconfigured', async (_, clients) => {
    const gw = await startGateway({ clients: await clients() })
    const response = await gw.request('/v1/hooks/a', {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    })
    expect(response.status).toBe(500)
    expect((await problemOf(response)).code).toBe('misconfigured')
    expect(await (await gw.request('/healthz')).json()).toMatchObject({ config: 'invalid' })
  })
})

describe('per-client rate limit (the Workers Rate Limiting binding from wrangler.jsonc)', () => {
  it('the 601st request of a client within a minute is a 429 with Retry-After; others are unaffected', async () => {
    const floodKey = 'gw_test_flood_4e8a1c7f2b9d6035'
    registerSecret(floodKey)
    const gw = await startPureProxy({
      clients: [
        { id: 'flood-svc', api_key_sha256: [await sha256Hex(floodKey)], allow: ['*/*'] },
        { id: 'calm-svc', api_key_sha256: [await sha256Hex(API_KEYS.billing)], allow: ['*/*'] },
      ],
    })
    // Dry runs of one partition make no upstream call, so only the limiter is exercised.
    const dryRun = { ...QUERY, dry_run: 'true' }
    const statuses: number[] = []
    for (let i = 0; i < 601; i++) statuses.push((await gw.reset(dryRun, floodKey)).status)
    expect(statuses.slice(0, 600).every((s) => s === 200)).toBe(true)
    const limited = await gw.reset(QUERY, floodKey)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('60')
    expect((await problemOf(limited)).code).toBe('rate_limited')
    expect((await gw.reset(dryRun, API_KEYS.billing)).status).toBe(200)
    expect((await gw.emulator.calls()).counts).toMatchObject({ iam_token: 0, delete_checkpoint: 0 })
  }, 30_000)
})
