import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { githubHeaders, standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { problemOf, startGateway } from '../support/gateway'
import { registerSecret } from '../support/log-capture'
import { countingNamespace } from '../support/object-calls'

/**
 * Issue 15 item 2 (webhook side): a verified delivery the gateway is going to refuse anyway —
 * not UTF-8, not JSON, failing the schema, outside `allow` — is answered before the replay guard
 * is touched: 0 Durable Object calls, so one hostile credential cannot spend the deployment's
 * Durable Object request and row quotas with deliveries that do nothing.
 */

const SECRET = 'whsec_Y2hlYXAtcmVqZWN0aW9ucy1zZWNyZXQtMzItYnl0ZXM='
const GITHUB_SECRET = 'cheap-rejections-github-secret'
const FIXED_SECRET = 'whsec_Y2hlYXAtZml4ZWQtdGFyZ2V0LXNlY3JldC0zMi1i'
const NONE_SECRET = 'whsec_Y2hlYXAtbm8tYWNjZXNzLXNlY3JldC0zMi1ieXRlcyE='
for (const s of [SECRET, GITHUB_SECRET, FIXED_SECRET, NONE_SECRET]) registerSecret(s)

const CLIENTS = [
  { id: 'ci', webhook_secrets: [SECRET], allow: ['orders/*'] },
  { id: 'none', webhook_secrets: [NONE_SECRET], allow: [] },
  { id: 'gh', signature: 'github', webhook_secrets: [GITHUB_SECRET], allow: ['orders/*'] },
  {
    id: 'fixed',
    webhook_secrets: [FIXED_SECRET],
    allow: ['orders/billing'],
    target: { stream_name: 'orders', app_name: 'billing', partition_id: '1' },
  },
]

async function startCounted() {
  const guard = countingNamespace(env.REPLAY_GUARD as unknown as DurableObjectNamespace)
  const ledger = countingNamespace(env.LEDGER as unknown as DurableObjectNamespace)
  const gw = await startGateway({
    clients: CLIENTS,
    bindings: { REPLAY_GUARD: guard.namespace, LEDGER: ledger.namespace },
  })
  return { gw, guardCalls: guard.calls, ledgerCalls: ledger.calls }
}

let counter = 0
const nextId = () => `msg_cheap_${Date.now()}_${++counter}`

async function deliver(
  gw: Awaited<ReturnType<typeof startGateway>>,
  client: 'ci' | 'fixed' | 'none',
  body: string | Uint8Array
) {
  const headers = await standardWebhookHeaders({
    secret: { ci: SECRET, fixed: FIXED_SECRET, none: NONE_SECRET }[client],
    id: nextId(),
    timestamp: Math.floor(Date.now() / 1000),
    body,
  })
  return gw.request(`/v1/hooks/${client}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

const valid = JSON.stringify({ stream_name: 'orders', app_name: 'billing', partition_id: 2 })

describe('cheap rejections cost no shared state', () => {
  it.each([
    ['a body that is not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 400, 'invalid_request'],
    ['a body that is not JSON', '{"stream_name": "orders",', 400, 'invalid_request'],
    [
      'a body that fails the schema (unknown field)',
      JSON.stringify({ stream_name: 'orders', app_name: 'billing', partition_id: 2, extra: 1 }),
      400,
      'invalid_request',
    ],
    [
      'a body with a bad partition id',
      JSON.stringify({ stream_name: 'orders', app_name: 'billing', partition_id: '0x1' }),
      400,
      'invalid_request',
    ],
    [
      'a body outside the client’s allow',
      JSON.stringify({ stream_name: 'events', app_name: 'billing', partition_id: 2 }),
      403,
      'forbidden',
    ],
  ])(
    '%s → answered with 0 Durable Object calls, nothing upstream',
    async (_, body, status, code) => {
      const { gw, guardCalls, ledgerCalls } = await startCounted()
      const response = await deliver(gw, 'ci', body)
      expect(response.status).toBe(status)
      expect((await problemOf(response)).code).toBe(code)
      expect(guardCalls).toEqual([])
      expect(ledgerCalls).toEqual([])
      expect((await gw.emulator.calls()).counts).toMatchObject({
        iam_token: 0,
        delete_checkpoint: 0,
      })
    }
  )

  it('a GitHub delivery outside allow → 403 with 0 Durable Object calls', async () => {
    const { gw, guardCalls, ledgerCalls } = await startCounted()
    const body = JSON.stringify({ stream_name: 'events', app_name: 'billing', partition_id: 2 })
    const headers = await githubHeaders({ secret: GITHUB_SECRET, id: nextId(), body })
    const response = await gw.request('/v1/hooks/gh', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    })
    expect(response.status).toBe(403)
    expect(guardCalls).toEqual([])
    expect(ledgerCalls).toEqual([])
  })

  it('a client with an empty allow → 403, 0 Durable Object calls (neither guard nor ledger)', async () => {
    const { gw, guardCalls, ledgerCalls } = await startCounted()
    const response = await deliver(gw, 'none', valid)
    expect(response.status).toBe(403)
    expect((await problemOf(response)).code).toBe('forbidden')
    expect(guardCalls).toEqual([])
    expect(ledgerCalls).toEqual([])
  })

  it('a fixed-target client with a non-JSON body → 400, 0 Durable Object calls', async () => {
    const { gw, guardCalls } = await startCounted()
    const response = await deliver(gw, 'fixed', 'not json')
    expect(response.status).toBe(400)
    expect(guardCalls).toEqual([])
  })

  it('the counter sees the guard: a valid delivery reserves and completes, a fixed target still resets', async () => {
    const { gw, guardCalls, ledgerCalls } = await startCounted()
    const response = await deliver(gw, 'ci', valid)
    expect(response.status).toBe(200)
    expect(guardCalls).toEqual(['reserve', 'complete'])
    expect(ledgerCalls.length).toBeGreaterThan(0)
    // Any JSON event resets a fixed target (its content is ignored beyond the signature).
    const fixed = await deliver(gw, 'fixed', JSON.stringify({ action: 'completed', extra: [1] }))
    expect(fixed.status).toBe(200)
    expect(await fixed.json()).toMatchObject({
      stream_name: 'orders',
      app_name: 'billing',
      partitions: ['shardId-0000000001'],
    })
    expect(guardCalls).toEqual(['reserve', 'complete', 'reserve', 'complete'])
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(2)
  })
})
