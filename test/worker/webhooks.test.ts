import { beforeAll, describe, expect, it } from 'vitest'
import { githubHeaders, standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { API_KEYS, sha256Hex } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { registerSecret } from '../support/log-capture'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const OLD_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
const NEW_SECRET = 'whsec_dGhpcy1pcy1hLW5ldy1zZWNyZXQtb2YtMzItYnl0ZXMh'
const FIXED_SECRET = 'whsec_Zml4ZWQtdGFyZ2V0LXNlY3JldC0zMi1ieXRlcyE='
const GITHUB_SECRET = "It's a Secret to Everybody"
for (const s of [SECRET, OLD_SECRET, NEW_SECRET, FIXED_SECRET, GITHUB_SECRET]) registerSecret(s)

let gw: TestGateway
let counter = 0
const nextId = () => `msg_${Date.now()}_${++counter}`
const nowSeconds = () => Math.floor(Date.now() / 1000)
const flat = JSON.stringify({ stream_name: 'orders', app_name: 'billing', partition_id: 2 })

beforeAll(async () => {
  gw = await startGateway({
    clients: [
      { id: 'ci', webhook_secrets: [SECRET], allow: ['orders/*'] },
      { id: 'rotating', webhook_secrets: [OLD_SECRET, NEW_SECRET], allow: ['*/*'] },
      { id: 'gh', signature: 'github', webhook_secrets: [GITHUB_SECRET], allow: ['orders/*'] },
      {
        id: 'fixed',
        webhook_secrets: [FIXED_SECRET],
        allow: ['orders/billing'],
        target: { stream_name: 'orders', app_name: 'billing', partition_id: '1' },
      },
      { id: 'api-only', api_key_sha256: [await sha256Hex(API_KEYS.billing)], allow: ['*/*'] },
    ],
  })
})

async function post(
  client: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
  contentType = 'application/json'
) {
  return gw.request(`/v1/hooks/${client}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': contentType, ...headers },
  })
}

/** Fresh, valid Standard Webhooks headers for `body` from client `ci`'s secret. */
function signedHeaders(body: string = flat) {
  return standardWebhookHeaders({ secret: SECRET, id: nextId(), timestamp: nowSeconds(), body })
}

async function signed(
  client: string,
  body: string | Uint8Array = flat,
  options: { secret?: string; id?: string; timestamp?: number } = {}
) {
  const headers = await standardWebhookHeaders({
    secret: options.secret ?? SECRET,
    id: options.id ?? nextId(),
    timestamp: options.timestamp ?? nowSeconds(),
    body,
  })
  return post(client, body, headers)
}

async function upstreamDeletes(): Promise<number> {
  return (await gw.emulator.calls()).counts.delete_checkpoint
}

async function expectUnauthenticated(response: Response) {
  expect(response.status).toBe(401)
  const { request_id, ...problem } = await problemOf(response)
  expect(problem).toEqual({
    type: 'https://dis-checkpoint-gateway.dev/problems/unauthenticated',
    title: 'Unauthenticated',
    status: 401,
    detail: 'The webhook signature is missing or invalid',
    code: 'unauthenticated',
  })
}

describe('Standard Webhooks deliveries', () => {
  it('a signed flat body resets the partition and answers the receipt', async () => {
    await gw.emulator.resetCalls()
    const response = await signed('ci')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      stream_name: 'orders',
      app_name: 'billing',
      checkpoint_type: 'LAST_READ',
      partitions: ['shardId-0000000002'],
    })
    expect(await upstreamDeletes()).toBe(1)
  })

  it('accepts the Standard Webhooks envelope with a string partition id', async () => {
    const body = JSON.stringify({
      type: 'checkpoint.reset',
      timestamp: '2026-11-28T00:00:00Z',
      data: { stream_name: 'orders', app_name: 'audit', partition_id: 'shardId-1' },
    })
    const response = await signed('ci', body)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { partitions: string[] }).partitions).toEqual([
      'shardId-0000000001',
    ])
  })

  it('accepts timestamps 299 s away and rejects 301 s away, with no upstream call', async () => {
    for (const offset of [-299, 299])
      expect((await signed('ci', flat, { timestamp: nowSeconds() + offset })).status).toBe(200)
    await gw.emulator.resetCalls()
    for (const offset of [-301, 301])
      await expectUnauthenticated(await signed('ci', flat, { timestamp: nowSeconds() + offset }))
    expect(await upstreamDeletes()).toBe(0)
  })

  it('rejects a tampered body, a re-serialised body and a wrong secret identically', async () => {
    await gw.emulator.resetCalls()
    const original = '{"stream_name": "orders", "app_name": "billing", "partition_id": 2}'
    const headers = await signedHeaders(original)
    await expectUnauthenticated(await post('ci', original.replace('2}', '1}'), headers))
    await expectUnauthenticated(await post('ci', JSON.stringify(JSON.parse(original)), headers))
    await expectUnauthenticated(await signed('ci', flat, { secret: NEW_SECRET }))
    expect(await upstreamDeletes()).toBe(0)
    // ...while the original bytes, unchanged, verify.
    expect((await post('ci', original, headers)).status).toBe(200)
  })

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'rejects a delivery without %s',
    async (name) => {
      const headers = await signedHeaders()
      delete headers[name]
      await expectUnauthenticated(await post('ci', flat, headers))
    }
  )

  it('rejects a non-integer timestamp, even with a matching signature over it', async () => {
    const id = nextId()
    const ts = `${nowSeconds()}abc`
    const headers = await standardWebhookHeaders({
      secret: SECRET,
      id,
      timestamp: nowSeconds(),
      body: flat,
    })
    await expectUnauthenticated(await post('ci', flat, { ...headers, 'webhook-timestamp': ts }))
  })

  it('accepts a multi-signature header with one valid v1 entry', async () => {
    const headers = await signedHeaders()
    const list = `v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw== v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${headers['webhook-signature']}`
    expect((await post('ci', flat, { ...headers, 'webhook-signature': list })).status).toBe(200)
  })

  it('tries every configured secret (rotation)', async () => {
    expect((await signed('rotating', flat, { secret: OLD_SECRET })).status).toBe(200)
    expect((await signed('rotating', flat, { secret: NEW_SECRET })).status).toBe(200)
    await expectUnauthenticated(await signed('rotating', flat, { secret: SECRET }))
  })

  it('answers an unknown client and an api-key-only client exactly like a bad signature', async () => {
    await expectUnauthenticated(await signed('no-such-client'))
    await expectUnauthenticated(await signed('api-only'))
  })

  it('a bearer key is not a credential here', async () => {
    const response = await post('api-only', flat, { Authorization: `Bearer ${API_KEYS.billing}` })
    await expectUnauthenticated(response)
  })

  it('still applies allow: a verified delivery outside the scope is 403 with no upstream call', async () => {
    await gw.emulator.resetCalls()
    const response = await signed(
      'ci',
      JSON.stringify({ stream_name: 'events', app_name: 'billing', partition_id: 1 })
    )
    expect(response.status).toBe(403)
    expect(await upstreamDeletes()).toBe(0)
  })
})

describe('replays', () => {
  it('a delivery id seen before gets the same receipt and no second upstream call', async () => {
    const headers = await signedHeaders()
    await gw.emulator.resetCalls()
    const first = await post('ci', flat, headers)
    const second = await post('ci', flat, headers)
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    expect(await second.json()).toEqual(await first.json())
    expect(await upstreamDeletes()).toBe(1)
  })

  it('20 concurrent copies: one DELETE; each answer is the receipt or 409 delivery_in_progress', async () => {
    const headers = await signedHeaders()
    await gw.emulator.resetCalls()
    await gw.emulator.addFault({ route: 'delete_checkpoint', delay_ms: 100, times: 1 })
    const responses = await Promise.all(Array.from({ length: 20 }, () => post('ci', flat, headers)))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1)
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
    const receipts = new Set<string>()
    for (const response of responses) {
      if (response.status === 200) receipts.add(await response.text())
      else {
        expect(response.headers.get('retry-after')).toBe('1')
        expect((await problemOf(response)).code).toBe('delivery_in_progress')
      }
    }
    expect(receipts.size).toBe(1)
    expect(await upstreamDeletes()).toBe(1)
    // Once the first is done, a retry of the same delivery gets the stored receipt.
    const retry = await post('ci', flat, headers)
    expect(retry.status).toBe(200)
    expect(await retry.text()).toBe([...receipts][0])
    expect(await upstreamDeletes()).toBe(1)
    await gw.emulator.clearFaults()
  })

  it('a failed delivery is not remembered: the sender’s retry is processed', async () => {
    const headers = await signedHeaders()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 500, times: 3 })
    expect((await post('ci', flat, headers)).status).toBe(502)
    expect((await post('ci', flat, headers)).status).toBe(200)
  })

  it('the same id from another client is a different delivery', async () => {
    const id = nextId()
    await gw.emulator.resetCalls()
    expect((await signed('ci', flat, { id })).status).toBe(200)
    expect((await signed('rotating', flat, { id, secret: NEW_SECRET })).status).toBe(200)
    expect(await upstreamDeletes()).toBe(2)
  })
})

describe('GitHub-style deliveries', () => {
  it('verifies X-Hub-Signature-256 and deduplicates by X-GitHub-Delivery', async () => {
    const headers = await githubHeaders({
      secret: GITHUB_SECRET,
      id: crypto.randomUUID(),
      body: flat,
    })
    await gw.emulator.resetCalls()
    expect((await post('gh', flat, headers)).status).toBe(200)
    expect((await post('gh', flat, headers)).status).toBe(200)
    expect(await upstreamDeletes()).toBe(1)
  })

  it('a captured delivery re-sent under a new X-GitHub-Delivery is still a replay', async () => {
    // X-GitHub-Delivery is not covered by the signature: the replay key is the signed body.
    const body = JSON.stringify({ stream_name: 'orders', app_name: 'audit', partition_id: 2 })
    const captured = await githubHeaders({ secret: GITHUB_SECRET, id: crypto.randomUUID(), body })
    await gw.emulator.resetCalls()
    const first = await post('gh', body, captured)
    expect(first.status).toBe(200)
    const receipt = await first.text()
    for (let i = 0; i < 3; i++) {
      const replay = await post('gh', body, {
        ...captured,
        'X-GitHub-Delivery': crypto.randomUUID(),
      })
      expect(replay.status).toBe(200)
      expect(await replay.text()).toBe(receipt)
    }
    expect(await upstreamDeletes()).toBe(1)
  })

  it('rejects a wrong GitHub signature and Standard Webhooks headers', async () => {
    const headers = await githubHeaders({
      secret: 'another secret',
      id: crypto.randomUUID(),
      body: flat,
    })
    await expectUnauthenticated(await post('gh', flat, headers))
    const standard = await signedHeaders()
    await expectUnauthenticated(await post('gh', flat, standard))
  })
})

describe('fixed targets', () => {
  it('resets the configured target whatever JSON event the sender posts', async () => {
    await gw.emulator.resetCalls()
    const event = JSON.stringify({
      action: 'completed',
      workflow_run: { conclusion: 'success', id: 42 },
    })
    const response = await signed('fixed', event, { secret: FIXED_SECRET })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      stream_name: 'orders',
      app_name: 'billing',
      partitions: ['shardId-0000000001'],
    })
    const del = (await gw.emulator.calls()).requests.find((r) => r.route === 'delete_checkpoint')
    expect(del?.query.partition_id).toEqual(['shardId-0000000001'])
  })

  // A target outside the client's own allow is now a configuration error (500 misconfigured,
  // test/node/unit/config.test.ts), so it can no longer reach a request.
})

describe('bodies', () => {
  it.each([
    [
      'an unknown field',
      { stream_name: 'orders', app_name: 'billing', partition_id: 1, partiton: 2 },
    ],
    ['a bad partition id', { stream_name: 'orders', app_name: 'billing', partition_id: '+1' }],
    [
      'a negative integer partition id',
      { stream_name: 'orders', app_name: 'billing', partition_id: -1 },
    ],
    [
      'a fractional partition id',
      { stream_name: 'orders', app_name: 'billing', partition_id: 1.5 },
    ],
    ['a missing app', { stream_name: 'orders', partition_id: 1 }],
    [
      'an envelope with a bad inner field',
      {
        type: 't',
        timestamp: 't',
        data: { stream_name: 'or/ders', app_name: 'billing', partition_id: 1 },
      },
    ],
    ['an array', [1, 2]],
  ])('rejects %s with 400 and no upstream call', async (_what, json) => {
    await gw.emulator.resetCalls()
    const response = await signed('ci', JSON.stringify(json))
    expect(response.status).toBe(400)
    expect((await problemOf(response)).code).toBe('invalid_request')
    expect(await upstreamDeletes()).toBe(0)
  })

  it('rejects a signed body that is not JSON with 400, never 500', async () => {
    const response = await signed('ci', 'hello')
    expect(response.status).toBe(400)
    expect((await problemOf(response)).detail).toMatch(/not valid JSON/)
  })

  it('rejects a signed body that is not UTF-8 with 400', async () => {
    const response = await signed('ci', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))
    expect(response.status).toBe(400)
    expect((await problemOf(response)).detail).toMatch(/UTF-8/)
  })

  it('rejects a non-JSON media type with 415 before verifying', async () => {
    const headers = await signedHeaders()
    const response = await post('ci', flat, headers, 'text/plain')
    expect(response.status).toBe(415)
    expect((await problemOf(response)).code).toBe('unsupported_media_type')
  })

  it('rejects a body over 16 KiB with 413, with and without Content-Length', async () => {
    const big = JSON.stringify({
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 1,
      pad: 'x'.repeat(17_000),
    })
    const response = await signed('ci', big)
    expect(response.status).toBe(413)
    expect((await problemOf(response)).code).toBe('payload_too_large')
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1_024)))
        controller.close()
      },
    })
    const chunked = await gw.request('/v1/hooks/ci', {
      method: 'POST',
      body: stream,
      headers: { 'Content-Type': 'application/json' },
    })
    expect(chunked.status).toBe(413)
  })

  it('rejects query parameters on the webhook route', async () => {
    const headers = await signedHeaders()
    const response = await gw.request('/v1/hooks/ci?partition_id=3', {
      method: 'POST',
      body: flat,
      headers: { 'Content-Type': 'application/json', ...headers },
    })
    expect(response.status).toBe(400)
  })

  it('answers GET on the webhook route with 405 Allow: POST', async () => {
    const response = await gw.request('/v1/hooks/ci')
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })
})
