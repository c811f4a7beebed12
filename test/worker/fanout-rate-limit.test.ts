import { env } from 'cloudflare:workers'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { sha256Hex } from '../support/fixtures'
import { problemOf, startGateway, startPureProxy } from '../support/gateway'
import { registerSecret } from '../support/log-capture'

/**
 * Issue 15 item 6: a request that touches n partitions counts n against its client's rate
 * limit (600 per 60 s, wrangler.jsonc), so `partition_id=all` over the 32-partition stream `big`
 * cannot multiply one client's DIS traffic 32-fold. Charged once DescribeStream has named the
 * partitions, before any per-partition call; a request that would cross the limit is a 429.
 *
 * The counters are the real Rate Limiting binding of the test runtime (the same
 * `CLIENT_RATE_LIMITER` the gateway calls): each test uses a client id of its own and brings it
 * near its limit with one direct call, instead of hundreds of requests.
 */

const LIMIT = 600
const BIG = 32
const KEY = 'gw_test_fanout_5c1e9a7d3f2b8046'
const HOOK_SECRET = 'whsec_ZmFub3V0LXJhdGUtbGltaXQtc2VjcmV0LTMyLWJ5dGVz'
registerSecret(KEY)
registerSecret(HOOK_SECRET)

let run = 0
/** A client id no other test (or earlier run in this window) has counted against. */
const freshId = () => `fanout-${Date.now().toString(36)}-${++run}`

/** Counts `units` for `clientId` on the binding, as that many earlier requests would have. */
async function spend(clientId: string, units: number) {
  if (units > 0) await env.CLIENT_RATE_LIMITER.limit({ key: clientId, delta: units })
}

/**
 * The binding's windows are aligned to the wall clock; a window that rolls over mid-test
 * would reset the counters. Wait for a fresh window when fewer than 15 s are left.
 */
async function awaitRoomInWindow() {
  const left = 60_000 - (Date.now() % 60_000)
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 100))
}

async function bigStreamClient(id: string) {
  return [{ id, api_key_sha256: [await sha256Hex(KEY)], allow: ['*/*'] }]
}

const ALL_BIG = { stream_name: 'big', app_name: 'billing', partition_id: 'all' }
/** 12 partitions: within the Free plan's subrequest budget with the ledger on (2 calls each). */
const ALL_EVENTS = { stream_name: 'events', app_name: 'billing', partition_id: 'all' }
const EVENTS = 12
const ONE = { stream_name: 'big', app_name: 'billing', partition_id: '1' }

beforeAll(awaitRoomInWindow, 20_000)

describe('the fan-out weighs on the client rate limit', () => {
  it('a client near its limit asking for all → 429 with Retry-After, no snapshot, no DELETE', async () => {
    const id = freshId()
    const gw = await startGateway({ clients: await bigStreamClient(id) })
    await spend(id, LIMIT - 5)
    const response = await gw.reset(ALL_EVENTS, KEY)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('60')
    const problem = await problemOf(response)
    expect(problem.code).toBe('rate_limited')
    expect(String(problem.detail)).toContain(`${EVENTS} partitions`)
    const { counts } = await gw.emulator.calls()
    // DescribeStream named the partitions; nothing per partition went out.
    expect(counts.describe_stream).toBeGreaterThanOrEqual(1)
    expect(counts).toMatchObject({ show_checkpoint: 0, delete_checkpoint: 0 })
    // The units the refused request added stay counted (the binding cannot give them back):
    // the client is limited until the window ends, also for a single partition.
    expect((await gw.reset({ ...ALL_EVENTS, partition_id: '1' }, KEY)).status).toBe(429)
  })

  it('a request that would cross the limit by one partition is refused; one that just fits is not', async () => {
    const refused = freshId()
    const fits = freshId()
    const gw = await startPureProxy({ clients: await bigStreamClient(refused) })
    // `refused` has LIMIT − 31 units left: the request needs 32.
    await spend(refused, LIMIT - BIG + 1)
    const response = await gw.reset(ALL_BIG, KEY)
    expect(response.status).toBe(429)
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(0)

    const gwFits = await startPureProxy({
      clients: await bigStreamClient(fits),
      app: { retry: { deadlineMs: 10_000 } },
    })
    // `fits` has exactly 32 units left: all of them are used, then nothing more.
    await spend(fits, LIMIT - BIG)
    const ok = await gwFits.reset(ALL_BIG, KEY)
    expect(ok.status).toBe(200)
    expect((await gwFits.emulator.calls()).counts.delete_checkpoint).toBe(BIG)
    const next = await gwFits.reset(ONE, KEY)
    expect(next.status).toBe(429)
  })

  it('all over 32 partitions counts 32: afterwards the client has 600 − 32 requests left, not 599', async () => {
    const id = freshId()
    const gw = await startPureProxy({
      clients: await bigStreamClient(id),
      app: { retry: { deadlineMs: 10_000 } },
    })
    expect((await gw.reset(ALL_BIG, KEY)).status).toBe(200)
    // Spend all but one of what a 32-unit charge leaves: one more single reset fits, then none.
    await spend(id, LIMIT - BIG - 1)
    const dryRun = { ...ONE, dry_run: 'true' }
    expect((await gw.reset(dryRun, KEY)).status).toBe(200)
    const over = await gw.reset(dryRun, KEY)
    expect(over.status).toBe(429)
  })

  it('GET /v1/checkpoints?partition_id=all is weighed the same way: 429 and no ShowCheckpoint', async () => {
    const id = freshId()
    const gw = await startGateway({ clients: await bigStreamClient(id) })
    await spend(id, LIMIT - 10)
    const response = await gw.request(`/v1/checkpoints?${new URLSearchParams(ALL_BIG)}`, {
      headers: { Authorization: `Bearer ${KEY}` },
    })
    expect(response.status).toBe(429)
    expect((await problemOf(response)).code).toBe('rate_limited')
    expect((await gw.emulator.calls()).counts.show_checkpoint).toBe(0)
  })

  it('a webhook delivery for all near the limit → 429, no DELETE, and its retry is not a replay', async () => {
    const id = freshId()
    const gw = await startGateway({
      clients: [{ id, webhook_secrets: [HOOK_SECRET], allow: ['events/*'] }],
    })
    await spend(id, LIMIT - 5)
    const body = JSON.stringify(ALL_EVENTS)
    const deliver = async () =>
      gw.request(`/v1/hooks/${id}`, {
        method: 'POST',
        body,
        headers: {
          'Content-Type': 'application/json',
          ...(await standardWebhookHeaders({
            secret: HOOK_SECRET,
            id: 'msg_fanout_all',
            timestamp: Math.floor(Date.now() / 1000),
            body,
          })),
        },
      })
    const response = await deliver()
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('60')
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(0)
    // The reservation was released: the same delivery is refused for the limit again, not
    // answered as in progress (409) or as a stored receipt.
    expect((await deliver()).status).toBe(429)
  })
})

describe('undo weighs on the client rate limit as its reset did', () => {
  beforeEach(awaitRoomInWindow, 20_000)

  it('undoing all over 12 partitions with fewer than 12 units left → 429, no Show, no Commit', async () => {
    const id = freshId()
    const gw = await startGateway({ clients: await bigStreamClient(id) })
    await gw.emulator.setCheckpoints(
      Array.from({ length: EVENTS }, (_, i) => ({
        stream_name: 'events',
        app_name: 'analytics',
        partition_id: String(i),
        sequence_number: String(10 + i),
        metadata: '',
      }))
    )
    const reset = await gw.reset({ ...ALL_EVENTS, app_name: 'analytics' }, KEY)
    expect(reset.status, await reset.clone().text()).toBe(200)
    const { reset_id } = (await reset.json()) as { reset_id: string }
    await gw.emulator.resetCalls()
    // 1 for the undo request itself, then 11 more are needed; leave 1 + 10.
    await spend(id, LIMIT - EVENTS - 11)
    const response = await gw.request(`/v1/resets/${reset_id}/undo`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}` },
    })
    expect(response.status).toBe(429)
    const problem = await problemOf(response)
    expect(problem.code).toBe('rate_limited')
    expect(String(problem.detail)).toContain(`${EVENTS} partitions`)
    expect((await gw.emulator.calls()).counts).toMatchObject({
      show_checkpoint: 0,
      commit_checkpoint: 0,
    })
  })

  it('an undo that fits is charged its partitions: the next request is over the limit', async () => {
    const id = freshId()
    const gw = await startGateway({ clients: await bigStreamClient(id) })
    await gw.emulator.setCheckpoints(
      Array.from({ length: EVENTS }, (_, i) => ({
        stream_name: 'events',
        app_name: 'audit',
        partition_id: String(i),
        sequence_number: String(10 + i),
        metadata: '',
      }))
    )
    const reset = await gw.reset({ ...ALL_EVENTS, app_name: 'audit' }, KEY)
    expect(reset.status, await reset.clone().text()).toBe(200)
    const { reset_id } = (await reset.json()) as { reset_id: string }
    // Exactly 12 units left for the undo.
    await spend(id, LIMIT - EVENTS - EVENTS)
    const ok = await gw.request(`/v1/resets/${reset_id}/undo`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}` },
    })
    expect(ok.status, await ok.clone().text()).toBe(200)
    expect((await gw.emulator.calls()).counts.commit_checkpoint).toBe(EVENTS)
    const next = await gw.reset(
      { ...ALL_EVENTS, app_name: 'audit', partition_id: '1', dry_run: 'true' },
      KEY
    )
    expect(next.status).toBe(429)
  })
})
