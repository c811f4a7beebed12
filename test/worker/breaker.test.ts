import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway } from '../support/gateway'
import { report } from '../support/log-capture'

/**
 * The breaker trips on the identity, not on a resource (README "Shared state"): when DIS refuses
 * a fresh token, ListStreams with the same token — a call no caller chooses — tells whether the
 * gateway's identity is refused (trip the deployment-wide breaker) or only that resource (fail
 * that request, trip nothing). Two app instances stand for two isolates sharing the broker.
 */

const REFUSED = { status: 401, error_code: 'APIGW.0301' }
const ORDERS = { stream_name: 'orders', app_name: 'billing', partition_id: '2' }
const EVENTS = { stream_name: 'events', app_name: 'billing', partition_id: '3' }
const EVENTS_OPS = { stream_name: 'events', app_name: 'analytics', partition_id: '5' }

async function twoInstances(bindings: Record<string, unknown> = {}, now?: () => number) {
  const app = now ? { now } : {}
  const a = await startGateway({ bindings, app })
  const b = await startGateway({ bindings, app, emulator: a.emulator })
  return { a, b, emulator: a.emulator }
}

describe('a 401 on one stream', () => {
  it("fails only that request: other clients' resets on other streams succeed, one identity check", async () => {
    const { a, b, emulator } = await twoInstances()
    await emulator.addFault({ route: 'show_checkpoint', stream_name: 'orders', ...REFUSED })

    const refused = await a.reset(ORDERS, API_KEYS.billing)
    expect(refused.status).toBe(502)
    const problem = await problemOf(refused)
    expect(problem.code).toBe('upstream_auth_failed')
    expect(problem.upstream).toEqual({ status: 401, error_code: 'APIGW.0301' })

    // Other clients, other streams, both isolates: the token is fine.
    expect((await b.reset(EVENTS_OPS, API_KEYS.ops)).status).toBe(200)
    expect((await a.reset(EVENTS, API_KEYS.billing)).status).toBe(200)
    expect((await b.reset(EVENTS, API_KEYS.billing)).status).toBe(200)

    // The refusing stream keeps failing alone, from either isolate, without a new login or
    // a new identity check (the check is cached for the cool-down, here and in the broker).
    expect((await a.reset(ORDERS, API_KEYS.billing)).status).toBe(502)
    expect((await b.reset(ORDERS, API_KEYS.billing)).status).toBe(502)
    expect((await b.reset(EVENTS, API_KEYS.billing)).status).toBe(200)

    const { counts, requests } = await emulator.calls()
    expect(counts).toMatchObject({ iam_token: 1, list_streams: 1, delete_checkpoint: 4 })
    // The check came right after the first refusal, with ListStreams' smallest page.
    const routes = requests.map((r) => r.route)
    expect(routes.slice(0, 3)).toEqual(['iam_token', 'show_checkpoint', 'list_streams'])
    const check = requests.find((r) => r.route === 'list_streams')
    expect(check?.method).toBe('GET')
    expect(check?.query).toEqual({ limit: ['1'] })
  })

  it('a burst of 20 refused requests on that stream makes one identity check and one login', async () => {
    // Without the ledger, concurrent resets of one partition are not serialised by its leases.
    const { a, b, emulator } = await twoInstances({ RESET_LEDGER: 'off' })
    expect((await a.reset(EVENTS, API_KEYS.billing)).status).toBe(200)
    expect((await b.reset(EVENTS, API_KEYS.billing)).status).toBe(200)
    await emulator.addFault({ route: 'delete_checkpoint', stream_name: 'orders', ...REFUSED })
    await emulator.resetCalls()
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reset(ORDERS, API_KEYS.billing))
    )
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([502]))
    const { counts } = await emulator.calls()
    report(
      `20 requests on a stream that refuses the token: ${counts.iam_token} IAM, ${counts.list_streams} ListStreams, ${counts.delete_checkpoint} DELETE`
    )
    // The cached token, refused, is dropped and replaced (one login deployment-wide); the new
    // one, refused too, is checked once; nothing more.
    expect(counts.iam_token).toBe(1)
    expect(counts.list_streams).toBe(1)
    expect(counts.delete_checkpoint).toBeLessThanOrEqual(40)
    // Once the check is known, a refused request costs its one DELETE and nothing else.
    await emulator.resetCalls()
    expect((await a.reset(ORDERS, API_KEYS.billing)).status).toBe(502)
    expect((await b.reset(ORDERS, API_KEYS.billing)).status).toBe(502)
    expect((await emulator.calls()).counts).toMatchObject({
      iam_token: 0,
      list_streams: 0,
      delete_checkpoint: 2,
    })
    expect((await a.reset(EVENTS, API_KEYS.billing)).status).toBe(200)
    expect((await b.reset(EVENTS, API_KEYS.billing)).status).toBe(200)
  })
})

describe('a refused identity', () => {
  it('ListStreams refusing the token too trips the breaker deployment-wide', async () => {
    const { a, b, emulator } = await twoInstances()
    await emulator.addFault({ route: 'show_checkpoint', stream_name: 'orders', ...REFUSED })
    await emulator.addFault({ route: 'list_streams', ...REFUSED })

    expect((await a.reset(ORDERS, API_KEYS.billing)).status).toBe(502)
    const tripped = { iam_token: 1, show_checkpoint: 1, list_streams: 1 }
    expect((await emulator.calls()).counts).toMatchObject(tripped)

    // Every client, every stream, every isolate now fails fast: no IAM, no DIS call.
    for (const [gw, query, key] of [
      [b, EVENTS_OPS, API_KEYS.ops],
      [a, EVENTS, API_KEYS.billing],
      [b, ORDERS, API_KEYS.billing],
    ] as const) {
      const response = await gw.reset(query, key)
      expect(response.status).toBe(502)
      expect((await problemOf(response)).code).toBe('upstream_auth_failed')
    }
    expect((await emulator.calls()).counts).toMatchObject({ ...tripped, delete_checkpoint: 0 })
  })

  it("every isolate's cool-down ends when the broker's does, not 30 s after it heard of it", async () => {
    let now = Date.now()
    const { a, b, emulator } = await twoInstances({ RESET_LEDGER: 'off' }, () => now)
    // The identity is refused once (the operator fixes it right after).
    await emulator.addFault({ route: 'delete_checkpoint', times: 1, ...REFUSED })
    await emulator.addFault({ route: 'list_streams', times: 1, ...REFUSED })
    expect((await a.reset(ORDERS, API_KEYS.billing)).status).toBe(502)
    now += 20_000
    // The other isolate hears of the breaker 20 s into the cool-down, from the broker.
    expect((await b.reset(ORDERS, API_KEYS.billing)).status).toBe(502)
    expect((await emulator.calls()).counts).toMatchObject({ iam_token: 1, delete_checkpoint: 1 })
    now += 10_001
    // The broker's 30 s are over: so are this isolate's, and one new login serves it.
    expect((await b.reset(ORDERS, API_KEYS.billing)).status).toBe(200)
    expect((await emulator.calls()).counts).toMatchObject({ iam_token: 2, delete_checkpoint: 2 })
  })
})
