import { beforeAll, describe, expect, inject, it } from 'vitest'
import { emulatorClient } from '../../emulator/client.ts'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { API_KEYS, sha256Hex } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { registerSecret } from '../support/log-capture'
import { ordersWithTwoHours } from '../support/worlds'

/**
 * Webhooks that move (docs/api.md "Webhooks"): a delivery's body (flat or Standard Webhooks
 * envelope) or a client's fixed `target` may carry `to` and `out_of_range`; the delivery then
 * performs the move, and a replay answers the stored receipt without an upstream call.
 */

const SECRET = 'whsec_bW92ZS13ZWJob29rLXNlY3JldC0zMi1ieXRlcyE='
const FIXED_SECRET = 'whsec_Zml4ZWQtbW92ZS1zZWNyZXQtb2YtMzItYnl0ZXM='
for (const s of [SECRET, FIXED_SECRET]) registerSecret(s)

const shard = (n: number) => `shardId-${String(n).padStart(10, '0')}`
let counter = 0
const nextId = () => `msg_${Date.now()}_${++counter}`

type Answer = {
  reset_id?: string
  status: string
  to: unknown
  partitions: {
    partition_id: string
    range: { earliest: string; next: string }
    position: string
    committed: string
    evidence: Record<string, unknown> | null
    result: string
  }[]
}

let gw: TestGateway

beforeAll(async () => {
  // `orders`: one record a minute for the last 2 hours on each of 3 partitions, billing at 10.
  const seed = ordersWithTwoHours()
  const emulator = await emulatorClient(inject('emulatorUrl')).spawn(seed)
  gw = await startGateway({
    emulator,
    clients: [
      { id: 'ci', webhook_secrets: [SECRET], allow: ['orders/*'] },
      {
        id: 'fixed',
        webhook_secrets: [FIXED_SECRET],
        allow: ['orders/billing'],
        target: {
          stream_name: 'orders',
          app_name: 'billing',
          partition_id: '2',
          to: { type: 'shift_by', shift_by: -5 },
        },
      },
      { id: 'ops', api_key_sha256: [await sha256Hex(API_KEYS.ops)], allow: ['*/*'] },
    ],
  })
})

async function deliver(client: string, body: string, id = nextId()) {
  const headers = await standardWebhookHeaders({
    secret: client === 'fixed' ? FIXED_SECRET : SECRET,
    id,
    timestamp: Math.floor(Date.now() / 1000),
    body,
  })
  return gw.request(`/v1/hooks/${client}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

async function checkpoint(partition: number) {
  return (await gw.emulator.checkpoints()).find(
    (c) =>
      c.stream_name === 'orders' && c.app_name === 'billing' && c.partition_id === shard(partition)
  )?.sequence_number
}

describe('webhook moves', () => {
  it('a signed delivery with to: duration PT1H moves; its replay answers the stored receipt with no upstream call', async () => {
    const body = JSON.stringify({
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 0,
      to: { type: 'duration', duration: 'PT1H' },
    })
    const id = nextId()
    const first = await deliver('ci', body, id)
    expect(first.status, await first.clone().text()).toBe(200)
    const text = await first.text()
    const answer = JSON.parse(text) as Answer
    expect(answer.status).toBe('completed')
    expect(answer.to).toEqual({ type: 'duration', duration: 'PT1H' })
    const [p] = answer.partitions
    expect(p?.result).toBe('committed')
    // One record a minute: the first at or after now − 1 h is about 60 back from the end.
    const back = BigInt(p?.range.next as string) - BigInt(p?.position as string)
    expect(back).toBeGreaterThanOrEqual(59n)
    expect(back).toBeLessThanOrEqual(61n)
    expect(p?.evidence).toHaveProperty('record_timestamp')
    expect(await checkpoint(0)).toBe(p?.committed)

    // Recorded as a move made by a webhook.
    const entry = (await (
      await gw.request(`/v1/resets/${answer.reset_id}`, {
        headers: { Authorization: `Bearer ${API_KEYS.ops}` },
      })
    ).json()) as Record<string, unknown>
    expect(entry).toMatchObject({ kind: 'move', via: 'webhook', delivery_id: id })

    await gw.emulator.resetCalls()
    const replay = await deliver('ci', body, id)
    expect(replay.status).toBe(200)
    expect(await replay.text()).toBe(text)
    expect((await gw.emulator.calls()).requests).toEqual([])
  })

  it('the Standard Webhooks envelope carries to and out_of_range: a sequence number past the end is clamped', async () => {
    const body = JSON.stringify({
      type: 'deploy.finished',
      timestamp: new Date().toISOString(),
      data: {
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: 1,
        to: { type: 'sequence_number', sequence_number: '9223372036854775807' },
        out_of_range: 'clamp',
      },
    })
    const response = await deliver('ci', body)
    expect(response.status, await response.clone().text()).toBe(200)
    const [p] = ((await response.json()) as Answer).partitions
    expect(p?.result).toBe('committed')
    expect(p?.position).toBe(p?.range.next)
    expect(p?.evidence).toEqual({ clamped_from: '9223372036854775807' })
    expect(await checkpoint(1)).toBe(p?.committed)
  })

  it("a client's fixed target with to moves on any event: shift_by -5 from the checkpoint", async () => {
    expect(await checkpoint(2)).toBe('10')
    const response = await deliver('fixed', JSON.stringify({ event: 'anything' }))
    expect(response.status, await response.clone().text()).toBe(200)
    const answer = (await response.json()) as Answer
    expect(answer.to).toEqual({ type: 'shift_by', shift_by: -5 })
    expect(answer.partitions.map((p) => [p.partition_id, p.committed])).toEqual([[shard(2), '5']])
    expect(await checkpoint(2)).toBe('5')
  })

  it('a bad to is a 400 naming the field, before any upstream call; out_of_range alone too', async () => {
    await gw.emulator.resetCalls()
    const bad = await deliver(
      'ci',
      JSON.stringify({
        type: 'x',
        timestamp: 'y',
        data: {
          stream_name: 'orders',
          app_name: 'billing',
          partition_id: 0,
          to: { type: 'later' },
        },
      })
    )
    expect(bad.status).toBe(400)
    expect((await problemOf(bad)).errors).toContainEqual(
      expect.objectContaining({ field: 'data.to.type' })
    )
    const alone = await deliver(
      'ci',
      JSON.stringify({
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: 0,
        out_of_range: 'clamp',
      })
    )
    expect(alone.status).toBe(400)
    expect((await problemOf(alone)).errors).toContainEqual(
      expect.objectContaining({ field: 'out_of_range' })
    )
    expect((await gw.emulator.calls()).requests).toEqual([])
  })
})
