import {
  evictDurableObject,
  listDurableObjectIds,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { brokerName } from '../../src/token/supply'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { registerSecret, report } from '../support/log-capture'

/**
 * Shared state (README "Shared state"): two app instances stand for two isolates — each has its
 * own module-level caches — sharing the deployment's Durable Objects, as every isolate and
 * location of a real deployment does.
 */

const SECRET = 'whsec_c2hhcmVkLXN0YXRlLXRlc3Qtc2VjcmV0LTMyYnl0ZSE='
registerSecret(SECRET)
const HOOK_CLIENTS = [{ id: 'hook', webhook_secrets: [SECRET], allow: ['*/*'] }]
const QUERY = { stream_name: 'orders', app_name: 'billing', partition_id: '2' }
const BODY = JSON.stringify({ stream_name: 'orders', app_name: 'billing', partition_id: 2 })
const HOUR = 3_600_000
let sequence = 0
const newId = () => `msg_shared_${Date.now()}_${++sequence}`

/** A clock the test moves; shared by both instances like real time is. */
function manualClock() {
  let now = Date.now()
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/** Delivers `id` with a fresh timestamp and signature taken from `nowMs`. */
async function deliver(gw: TestGateway, id: string, nowMs = Date.now()) {
  const headers = await standardWebhookHeaders({
    secret: SECRET,
    id,
    timestamp: Math.floor(nowMs / 1000),
    body: BODY,
  })
  return gw.request('/v1/hooks/hook', {
    method: 'POST',
    body: BODY,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

async function twoInstances(options: Parameters<typeof startGateway>[0] = {}) {
  const a = await startGateway(options)
  const b = await startGateway({ ...options, emulator: a.emulator })
  return { a, b, emulator: a.emulator }
}

const counts = async (gw: TestGateway) => (await gw.emulator.calls()).counts
const guardOf = (clientId: string) =>
  env.REPLAY_GUARD.get(env.REPLAY_GUARD.idFromName(`client:${clientId}`))

describe('replay guard across instances', () => {
  it('a delivery sent to both instances is one DELETE; the second answer is the stored receipt', async () => {
    const { a, b } = await twoInstances({ clients: HOOK_CLIENTS })
    const id = newId()
    const first = await deliver(a, id)
    expect(first.status).toBe(200)
    const receipt = await first.text()
    // The sender retries on another isolate, a minute later, with a fresh timestamp.
    const second = await deliver(b, id, Date.now() + 60_000)
    expect(second.status).toBe(200)
    expect(await second.text()).toBe(receipt)
    expect((await counts(a)).delete_checkpoint).toBe(1)
  })

  it('20 concurrent copies over both instances: one DELETE, each answer the receipt or 409', async () => {
    const { a, b } = await twoInstances({ clients: HOOK_CLIENTS })
    await a.emulator.addFault({ route: 'delete_checkpoint', delay_ms: 100, times: 1 })
    const id = newId()
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => deliver(i % 2 === 0 ? a : b, id))
    )
    const statuses = responses.map((r) => r.status)
    report(
      `20 concurrent copies: ${statuses.filter((s) => s === 200).length}×200, ${statuses.filter((s) => s === 409).length}×409`
    )
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
    expect(statuses).toContain(200)
    for (const r of responses.filter((r) => r.status === 409)) {
      expect(r.headers.get('retry-after')).toBe('1')
      expect((await problemOf(r)).code).toBe('delivery_in_progress')
    }
    expect((await counts(a)).delete_checkpoint).toBe(1)
  })

  it('remembers a delivery for REPLAY_RETENTION_HOURS (96 by default), then forgets it', async () => {
    const clock = manualClock()
    const { a, b } = await twoInstances({ clients: HOOK_CLIENTS, app: { now: clock.now } })
    const id = newId()
    expect((await deliver(a, id, clock.now())).status).toBe(200)
    clock.advance(96 * HOUR - 60_000)
    expect((await deliver(b, id, clock.now())).status).toBe(200)
    expect((await counts(a)).delete_checkpoint).toBe(1)
    clock.advance(120_000) // past 96 h: the row is expired and counts as absent
    expect((await deliver(b, id, clock.now())).status).toBe(200)
    expect((await counts(a)).delete_checkpoint).toBe(2)
  })

  it('honours a shorter REPLAY_RETENTION_HOURS', async () => {
    const clock = manualClock()
    const gw = await startGateway({
      clients: HOOK_CLIENTS,
      app: { now: clock.now },
      bindings: { REPLAY_RETENTION_HOURS: '2' },
    })
    const id = newId()
    expect((await deliver(gw, id, clock.now())).status).toBe(200)
    clock.advance(2 * HOUR - 1_000)
    expect((await deliver(gw, id, clock.now())).status).toBe(200)
    expect((await counts(gw)).delete_checkpoint).toBe(1)
    clock.advance(2_000)
    expect((await deliver(gw, id, clock.now())).status).toBe(200)
    expect((await counts(gw)).delete_checkpoint).toBe(2)
  })

  it('a failed delivery is released at once: the retry on the other instance is processed', async () => {
    const { a, b } = await twoInstances({ clients: HOOK_CLIENTS })
    await a.emulator.addFault({ route: 'delete_checkpoint', status: 500, times: 3 })
    const id = newId()
    expect((await deliver(a, id)).status).toBe(502)
    expect((await deliver(b, id)).status).toBe(200)
    expect((await counts(a)).delete_checkpoint).toBe(4)
  })

  it('one alarm per object at the earliest expiry, not a write per request; the alarm sweeps', async () => {
    const clientId = 'sweep'
    const secret = 'whsec_c3dlZXAtYWxhcm0tdGVzdC1zZWNyZXQtMzJieXRlcyE='
    registerSecret(secret)
    const gw = await startGateway({
      clients: [{ id: clientId, webhook_secrets: [secret], allow: ['*/*'] }],
    })
    const send = async (id: string) => {
      const headers = await standardWebhookHeaders({
        secret,
        id,
        timestamp: Math.floor(Date.now() / 1000),
        body: BODY,
      })
      return gw.request(`/v1/hooks/${clientId}`, {
        method: 'POST',
        body: BODY,
        headers: { 'Content-Type': 'application/json', ...headers },
      })
    }
    const stub = guardOf(clientId)
    expect((await send(newId())).status).toBe(200)
    const firstAlarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm())
    expect(firstAlarm).toBeGreaterThan(Date.now())
    for (let i = 0; i < 4; i++) expect((await send(newId())).status).toBe(200)
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(firstAlarm)
    // Age two rows past their expiry, then let the alarm run.
    const rows = await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec(
        'UPDATE deliveries SET expires_at = ? WHERE key IN (SELECT key FROM deliveries LIMIT 2)',
        Date.now() - 1
      )
      return state.storage.sql.exec('SELECT COUNT(*) AS n FROM deliveries').one().n
    })
    expect(rows).toBe(5)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const after = await runInDurableObject(stub, (_, state) => ({
      rows: state.storage.sql.exec('SELECT COUNT(*) AS n FROM deliveries').one().n,
      next: state.storage.sql.exec('SELECT MIN(expires_at) AS m FROM deliveries').one().m,
      alarm: state.storage.getAlarm(),
    }))
    expect(after.rows).toBe(3)
    // Batched: the alarm is the 15-minute boundary at or after the next expiry (expiry-alarm.ts).
    const window = 15 * 60_000
    expect(await after.alarm).toBe(Math.ceil(Number(after.next) / window) * window)
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm())
  })
})

describe('token broker across instances', () => {
  it('a cold burst of 50 over both instances makes one IAM call', async () => {
    const { a, b, emulator } = await twoInstances()
    await emulator.addFault({ route: 'iam_token', delay_ms: 100 })
    // 50 different partitions: resets of one partition at once are partition_busy (leases).
    const targets = [
      ...Array.from({ length: 32 }, (_, i) => ({ stream_name: 'big', partition_id: `${i}` })),
      ...Array.from({ length: 12 }, (_, i) => ({ stream_name: 'events', partition_id: `${i}` })),
    ].flatMap((t) => ['billing', 'audit'].map((app_name) => ({ ...t, app_name })))
    const responses = await Promise.all(
      targets.slice(0, 50).map((query, i) => (i % 2 === 0 ? a : b).reset(query, API_KEYS.ops))
    )
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200))
    const { iam_token, delete_checkpoint } = await counts(a)
    report(`cold burst of 50 over two instances: ${iam_token} IAM call(s)`)
    expect(iam_token).toBe(1)
    expect(delete_checkpoint).toBe(50)
  })

  it('a second instance takes the token from the broker; evicting the broker costs exactly one IAM call', async () => {
    const { a, b } = await twoInstances()
    expect((await a.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect((await b.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect((await counts(a)).iam_token).toBe(1)
    const before = new Set(
      (await listDurableObjectIds(env.TOKEN_BROKER)).map((id) => id.toString())
    )
    expect(before.size).toBeGreaterThan(0)
    for (const id of await listDurableObjectIds(env.TOKEN_BROKER)) {
      await evictDurableObject(env.TOKEN_BROKER.get(id))
    }
    const c = await startGateway({ emulator: a.emulator })
    expect((await c.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect((await c.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    expect((await counts(a)).iam_token).toBe(2)
  })

  it('never writes the token to storage', async () => {
    const gw = await startGateway()
    expect((await gw.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    const tokens = await gw.emulator.tokens()
    for (const id of await listDurableObjectIds(env.TOKEN_BROKER)) {
      const stored = await runInDurableObject(env.TOKEN_BROKER.get(id), async (_, state) => ({
        kv: [...(await state.storage.list()).entries()],
        size: state.storage.sql.databaseSize,
        tables: state.storage.sql
          .exec(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'"
          )
          .toArray(),
      }))
      expect(stored.kv).toEqual([])
      expect(stored.tables).toEqual([])
      for (const token of tokens) expect(JSON.stringify(stored)).not.toContain(token.slice(0, 64))
    }
  })

  it('a fresh token DIS rejects trips the breaker deployment-wide: the other instance calls neither IAM nor DIS', async () => {
    const { a, b } = await twoInstances()
    await a.emulator.addFault({ route: 'delete_checkpoint', status: 401, error_code: 'APIGW.0301' })
    // The identity itself is refused: ListStreams with the same token is refused too.
    await a.emulator.addFault({ route: 'list_streams', status: 401, error_code: 'APIGW.0301' })
    expect((await a.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    const tripped = { iam_token: 1, delete_checkpoint: 1, list_streams: 1 }
    expect(await counts(a)).toMatchObject(tripped)
    const fromB = await b.reset(QUERY, API_KEYS.billing)
    expect(fromB.status).toBe(502)
    expect((await problemOf(fromB)).code).toBe('upstream_auth_failed')
    expect(await counts(a)).toMatchObject(tripped)
  })

  it('with a wrong password the whole deployment tries IAM at most once per 30 s', async () => {
    registerSecret('wrong-password-for-breaker')
    const clock = manualClock()
    const { a, b } = await twoInstances({
      bindings: { IAM_PASSWORD: 'wrong-password-for-breaker' },
      app: { now: clock.now },
    })
    const iamCalls = async () => (await counts(a)).iam_token
    expect((await a.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    expect(await iamCalls()).toBe(1)
    // The other isolate has never seen the failure: the broker's breaker answers for it.
    const fromB = await b.reset(QUERY, API_KEYS.billing)
    expect(fromB.status).toBe(502)
    expect((await problemOf(fromB)).code).toBe('upstream_auth_failed')
    for (let t = 0; t < 5; t++) {
      clock.advance(5_000)
      expect((await (t % 2 ? a : b).reset(QUERY, API_KEYS.billing)).status).toBe(502)
    }
    expect(await iamCalls()).toBe(1)
    clock.advance(6_000) // 31 s after the refusal: one new attempt, deployment-wide
    await Promise.all([a.reset(QUERY, API_KEYS.billing), b.reset(QUERY, API_KEYS.billing)])
    expect(await iamCalls()).toBe(2)
    expect((await counts(a)).delete_checkpoint).toBe(0)
  })
})

describe("the token broker's name", () => {
  const identityOf = (gw: TestGateway) => {
    const vars = gw.bindings
    return {
      iamEndpoint: new URL(vars.IAM_ENDPOINT).origin,
      iamDomainName: vars.IAM_DOMAIN_NAME,
      iamUserName: vars.IAM_USER_NAME,
      projectId: vars.DIS_PROJECT_ID,
    }
  }

  it('is a digest of the non-secret identity only: no function of the password to verify guesses against', async () => {
    const identity = {
      iamEndpoint: 'https://iam.example',
      iamDomainName: 'd',
      iamUserName: 'u',
      projectId: 'p',
    }
    const name = await brokerName(identity)
    const digest = new Uint8Array(
      await crypto.subtle.digest(
        'SHA-256',
        new TextEncoder().encode('https://iam.example\0d\0u\0p')
      )
    )
    expect(name).toBe(`iam:${[...digest].map((b) => b.toString(16).padStart(2, '0')).join('')}`)
    // Whatever the password, the same name: it cannot tell a right guess from a wrong one.
    const passwords = ['S3cret!', 'guess-1', '']
    const names = await Promise.all(
      passwords.map((iamPassword) => brokerName({ ...identity, iamPassword } as typeof identity))
    )
    expect(new Set(names)).toEqual(new Set([name]))
  })

  it('a rotated password shares the object but not its token or breaker', async () => {
    registerSecret('old-password-before-rotation')
    const old = await startGateway({ bindings: { IAM_PASSWORD: 'old-password-before-rotation' } })
    const current = await startGateway({ emulator: old.emulator })
    // The old password is refused: its breaker opens.
    expect((await old.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    // The new one is not held back by it, and gets its own token.
    expect((await current.reset(QUERY, API_KEYS.billing)).status).toBe(200)
    // The old password's breaker still holds: no new IAM attempt with it.
    expect((await old.reset(QUERY, API_KEYS.billing)).status).toBe(502)
    expect(await counts(old)).toMatchObject({ iam_token: 2, delete_checkpoint: 1 })
    // One object for the identity, named from its non-secret parts.
    const expected = env.TOKEN_BROKER.idFromName(await brokerName(identityOf(current)))
    const ids = (await listDurableObjectIds(env.TOKEN_BROKER)).map((id) => id.toString())
    expect(ids).toContain(expected.toString())
  })
})

/** A Durable Object namespace whose objects fail: throwing, or never answering. */
function failingNamespace(mode: 'throw' | 'hang') {
  const fail = () =>
    mode === 'throw' ? Promise.reject(new Error('object exploded')) : new Promise(() => undefined)
  // Every RPC method fails; `then` stays undefined so the stub itself is not a thenable.
  const stub = new Proxy({}, { get: (_, name) => (name === 'then' ? undefined : fail) })
  return { idFromName: () => ({}), get: () => stub }
}

describe('when the shared state fails', () => {
  it.each(['throw', 'hang'] as const)(
    'a replay guard that fails (%s) → 503 state_unavailable with Retry-After, and no DELETE',
    async (mode) => {
      const gw = await startGateway({
        clients: HOOK_CLIENTS,
        bindings: { REPLAY_GUARD: failingNamespace(mode) },
      })
      const response = await deliver(gw, newId())
      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toMatch(/^[0-9]+$/)
      expect((await problemOf(response)).code).toBe('state_unavailable')
      expect(await counts(gw)).toMatchObject({ iam_token: 0, delete_checkpoint: 0 })
    }
  )

  it.each(['throw', 'hang'] as const)(
    'a token broker that fails (%s) → the bearer route fetches from IAM itself and succeeds',
    async (mode) => {
      const gw = await startGateway({ bindings: { TOKEN_BROKER: failingNamespace(mode) } })
      const response = await gw.reset(QUERY, API_KEYS.billing)
      expect(response.status).toBe(200)
      expect(await counts(gw)).toMatchObject({ iam_token: 1, delete_checkpoint: 1 })
    }
  )

  it('a missing Durable Object binding is a misconfiguration: 500, never a fall-open', async () => {
    const gw = await startGateway({ clients: HOOK_CLIENTS, bindings: { REPLAY_GUARD: undefined } })
    const response = await deliver(gw, newId())
    expect(response.status).toBe(500)
    expect((await problemOf(response)).code).toBe('misconfigured')
    expect(await counts(gw)).toMatchObject({ delete_checkpoint: 0 })
  })
})
