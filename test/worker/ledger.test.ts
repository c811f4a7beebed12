import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { API_KEYS, sha256Hex, standardClients } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { registerSecret } from '../support/log-capture'

/**
 * Snapshot and ledger (README "Safety net"): every reset reads each checkpoint first, records a
 * ledger entry durably before the first DELETE, and completes it after. All of this file's tests
 * share the deployment's one ledger object, so each uses names no other test uses.
 */

const DAY = 86_400_000
const ledgerStub = () => env.LEDGER.get(env.LEDGER.idFromName('ledger'))

type Receipt = {
  reset_id?: string
  previous?: { partition_id: string; sequence_number: string | null }[]
  partitions: string[]
  dry_run?: boolean
}

async function resetOk(gw: TestGateway, query: Record<string, string>, key: string = API_KEYS.ops) {
  const response = await gw.reset(query, key)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as Receipt
}

async function entry(gw: TestGateway, resetId: string, key: string = API_KEYS.ops) {
  return gw.request(`/v1/resets/${resetId}`, { headers: { Authorization: `Bearer ${key}` } })
}

describe('a reset with the ledger on (the default)', () => {
  it('snapshots, records, deletes: Show → DELETE upstream, the receipt carries reset_id and previous', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints([
      {
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: '1',
        sequence_number: '42',
        metadata: 'm-1',
      },
    ])
    const receipt = await resetOk(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '1',
    })
    expect(receipt.reset_id).toMatch(/^rst_[a-z2-7]{26}$/)
    expect(receipt.previous).toEqual([
      { partition_id: 'shardId-0000000001', sequence_number: '42' },
    ])
    expect(await gw.emulator.routes()).toEqual([
      'iam_token',
      'show_checkpoint',
      'delete_checkpoint',
    ])

    const response = await entry(gw, receipt.reset_id ?? '')
    expect(response.status).toBe(200)
    const recorded = (await response.json()) as Record<string, unknown>
    expect(recorded).toMatchObject({
      reset_id: receipt.reset_id,
      client_id: 'ops',
      via: 'api',
      delivery_id: null,
      stream_name: 'orders',
      app_name: 'billing',
      partition_selector: 'shardId-0000000001',
      status: 'completed',
      partitions: [
        { partition_id: 'shardId-0000000001', previous_sequence_number: '42', result: 'deleted' },
      ],
      undo: null,
    })
    expect(Date.parse(recorded.created_at as string)).not.toBeNaN()
    // The saved metadata is kept for undo but not shown.
    expect(JSON.stringify(recorded)).not.toContain('m-1')
  })

  it.each(['missing', 'empty', 'negative', 'error'] as const)(
    'no checkpoint answered as %s is previous: null',
    async (style) => {
      const gw = await startGateway()
      await gw.emulator.settings({ show_missing_checkpoint: style })
      // `analytics` has no committed checkpoint in the demo world.
      const receipt = await resetOk(gw, {
        stream_name: 'orders',
        app_name: 'analytics',
        partition_id: '0',
      })
      expect(receipt.previous).toEqual([
        { partition_id: 'shardId-0000000000', sequence_number: null },
      ])
      expect(receipt.reset_id).toBeDefined()
      expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(1)
    }
  )

  it('a snapshot that fails means no DELETE and no entry: the mapped problem', async () => {
    const gw = await startGateway()
    const missingApp = await gw.reset(
      { stream_name: 'orders', app_name: 'nosuchapp', partition_id: '1' },
      API_KEYS.ops
    )
    expect(missingApp.status).toBe(404)
    expect((await problemOf(missingApp)).code).toBe('app_not_found')
    await gw.emulator.addFault({ route: 'show_checkpoint', status: 500 })
    const broken = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '1' },
      API_KEYS.ops
    )
    expect(broken.status).toBe(502)
    expect((await gw.emulator.calls()).counts).toMatchObject({
      show_checkpoint: 4,
      delete_checkpoint: 0,
    })
  })

  it('if the ledger cannot be written: 503 state_unavailable, and no DELETE', async () => {
    const failing = {
      idFromName: () => ({}),
      get: () =>
        new Proxy(
          {},
          { get: (_, n) => (n === 'then' ? undefined : () => Promise.reject(new Error('down'))) }
        ),
    }
    const gw = await startGateway({ bindings: { LEDGER: failing } })
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '1' },
      API_KEYS.ops
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toMatch(/^[0-9]+$/)
    expect((await problemOf(response)).code).toBe('state_unavailable')
    // The partition leases are taken in the ledger before the snapshot: nothing is sent.
    expect((await gw.emulator.calls()).counts).toMatchObject({
      show_checkpoint: 0,
      delete_checkpoint: 0,
    })
  })

  it('a dry run shows previous, has no reset_id, deletes nothing and records nothing', async () => {
    const gw = await startGateway()
    const clients = [
      {
        id: 'dry-only',
        api_key_sha256: [await sha256Hex(API_KEYS.prefix)],
        allow: ['mixed/audit'],
      },
    ]
    const dry = await startGateway({ clients, emulator: gw.emulator })
    await gw.emulator.setCheckpoints([
      { stream_name: 'mixed', app_name: 'audit', partition_id: '1', sequence_number: '7' },
    ])
    const receipt = await resetOk(
      dry,
      { stream_name: 'mixed', app_name: 'audit', partition_id: 'all', dry_run: 'true' },
      API_KEYS.prefix
    )
    expect(receipt).toMatchObject({
      dry_run: true,
      partitions: ['shardId-0000000000', 'shardId-0000000001', 'shardId-0000000002'],
      previous: [
        { partition_id: 'shardId-0000000000', sequence_number: null },
        { partition_id: 'shardId-0000000001', sequence_number: '7' },
        { partition_id: 'shardId-0000000002', sequence_number: null },
      ],
    })
    expect(receipt.reset_id).toBeUndefined()
    expect((await gw.emulator.calls()).counts.delete_checkpoint).toBe(0)
    const list = await dry.request('/v1/resets', {
      headers: { Authorization: `Bearer ${API_KEYS.prefix}` },
    })
    expect(((await list.json()) as { resets: unknown[] }).resets).toEqual([])
  })

  it('all: a snapshot and a DELETE per partition, the same fan-out; every partition in the entry', async () => {
    const gw = await startGateway()
    const receipt = await resetOk(gw, {
      stream_name: 'events',
      app_name: 'billing',
      partition_id: 'all',
    })
    expect(receipt.partitions).toHaveLength(12)
    expect(receipt.previous?.every((p) => p.sequence_number === '10')).toBe(true)
    const routes = await gw.emulator.routes()
    const firstDelete = routes.indexOf('delete_checkpoint')
    expect(routes.filter((r) => r === 'show_checkpoint')).toHaveLength(12)
    expect(routes.filter((r) => r === 'delete_checkpoint')).toHaveLength(12)
    // Every snapshot is taken before the first DELETE.
    expect(routes.lastIndexOf('show_checkpoint')).toBeLessThan(firstDelete)
    const recorded = (await (await entry(gw, receipt.reset_id ?? '')).json()) as {
      partitions: unknown[]
      status: string
    }
    expect(recorded.status).toBe('completed')
    expect(recorded.partitions).toHaveLength(12)
  })

  it('all: the Free plan covers 22 partitions per call with the ledger on (2 calls each); more is a 400 before any call', async () => {
    const gw = await startGateway()
    const response = await gw.reset(
      { stream_name: 'big', app_name: 'billing', partition_id: 'all' },
      API_KEYS.ops
    )
    expect(response.status).toBe(400)
    expect(await problemOf(response)).toMatchObject({
      partition_count: 32,
      max_partitions_per_call: 22,
    })
    expect((await gw.emulator.calls()).counts).toMatchObject({
      show_checkpoint: 0,
      delete_checkpoint: 0,
    })
    const paid = await startGateway({
      emulator: gw.emulator,
      bindings: { WORKERS_SUBREQUEST_LIMIT: '10000' },
    })
    expect(
      (await resetOk(paid, { stream_name: 'big', app_name: 'billing', partition_id: 'all' }))
        .partitions
    ).toHaveLength(32)
  })

  it('a partly failed all records status partial with each partition’s result', async () => {
    const gw = await startGateway({ bindings: { WORKERS_SUBREQUEST_LIMIT: '100' } })
    await gw.emulator.addFault({ route: 'delete_checkpoint', partition_id: '2', status: 500 })
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'analytics', partition_id: 'all' },
      API_KEYS.ops
    )
    expect(response.status).toBe(502)
    const problem = await problemOf(response)
    expect(problem.reset_id).toMatch(/^rst_/)
    const recorded = (await (await entry(gw, problem.reset_id as string)).json()) as Record<
      string,
      unknown
    >
    expect(recorded.status).toBe('partial')
    expect(recorded.partitions).toEqual([
      { partition_id: 'shardId-0000000000', previous_sequence_number: null, result: 'deleted' },
      { partition_id: 'shardId-0000000001', previous_sequence_number: null, result: 'deleted' },
      {
        partition_id: 'shardId-0000000002',
        previous_sequence_number: null,
        result: 'failed',
        code: 'upstream_error',
      },
    ])
  })

  it('a webhook reset is recorded with via webhook and its delivery id', async () => {
    const secret = 'whsec_bGVkZ2VyLXdlYmhvb2stdGVzdC1zZWNyZXQtMzJieSE='
    registerSecret(secret)
    const gw = await startGateway({
      clients: [
        ...(await standardClients()),
        { id: 'hook', webhook_secrets: [secret], allow: ['orders/audit'] },
      ],
    })
    const body = JSON.stringify({ stream_name: 'orders', app_name: 'audit', partition_id: 0 })
    const headers = await standardWebhookHeaders({
      secret,
      id: 'msg_ledger_1',
      timestamp: Math.floor(Date.now() / 1000),
      body,
    })
    const response = await gw.request('/v1/hooks/hook', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    })
    expect(response.status).toBe(200)
    const { reset_id } = (await response.json()) as Receipt
    expect(await (await entry(gw, reset_id ?? '')).json()).toMatchObject({
      via: 'webhook',
      delivery_id: 'msg_ledger_1',
      client_id: 'hook',
    })
  })
})

describe('GET /v1/resets', () => {
  it('lists newest first, pages with an opaque cursor, filters by exact stream and app', async () => {
    const key = 'gw_test_pager_5b1e9c3a7d2f4068'
    registerSecret(key)
    const gw = await startGateway({
      clients: [
        ...(await standardClients()),
        {
          id: 'pager',
          api_key_sha256: [await sha256Hex(key)],
          allow: ['events/audit', 'mixed/audit'],
        },
      ],
    })
    const ids: string[] = []
    for (const partition of ['0', '1', '2', '3', '4']) {
      ids.push(
        (
          await resetOk(
            gw,
            { stream_name: 'events', app_name: 'audit', partition_id: partition },
            key
          )
        ).reset_id ?? ''
      )
    }
    const other = (
      await resetOk(gw, { stream_name: 'mixed', app_name: 'audit', partition_id: '0' }, key)
    ).reset_id
    const page = async (query: string) => {
      const response = await gw.request(`/v1/resets?${query}`, {
        headers: { Authorization: `Bearer ${key}` },
      })
      expect(response.status).toBe(200)
      return (await response.json()) as {
        resets: { reset_id: string }[]
        next_cursor: string | null
        request_id: string
      }
    }
    const all = await page('')
    expect(all.resets.map((r) => r.reset_id)).toEqual([other, ...ids.reverse()])
    expect(all.next_cursor).toBeNull()

    const seen: string[] = []
    let cursor: string | null = ''
    let pages = 0
    while (cursor !== null) {
      const next: Awaited<ReturnType<typeof page>> = await page(
        `stream_name=events&limit=2${cursor ? `&cursor=${cursor}` : ''}`
      )
      seen.push(...next.resets.map((r) => r.reset_id))
      cursor = next.next_cursor
      pages++
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(ids)
    expect((await page('app_name=audit&stream_name=mixed')).resets.map((r) => r.reset_id)).toEqual([
      other,
    ])
  })

  it('shows only entries the client’s allow covers', async () => {
    const gw = await startGateway()
    const { reset_id } = await resetOk(gw, {
      stream_name: 'mixed',
      app_name: 'analytics',
      partition_id: '0',
    })
    const asBilling = await gw.request('/v1/resets?stream_name=mixed', {
      headers: { Authorization: `Bearer ${API_KEYS.billing}` },
    })
    expect(((await asBilling.json()) as { resets: unknown[] }).resets).toEqual([])
    const asNobody = await gw.request('/v1/resets', {
      headers: { Authorization: `Bearer ${API_KEYS.nobody}` },
    })
    expect(((await asNobody.json()) as { resets: unknown[] }).resets).toEqual([])
    const asOps = await gw.request('/v1/resets?stream_name=mixed&app_name=analytics', {
      headers: { Authorization: `Bearer ${API_KEYS.ops}` },
    })
    expect(((await asOps.json()) as { resets: { reset_id: string }[] }).resets[0]?.reset_id).toBe(
      reset_id
    )
  })

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=1.5', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['stream_name=a%2Fb', 'stream_name'],
    ['colour=blue', 'colour'],
    ['limit=1&limit=2', 'limit'],
  ])('%s is a 400 naming %s', async (query, field) => {
    const gw = await startGateway()
    const response = await gw.request(`/v1/resets?${query}`, {
      headers: { Authorization: `Bearer ${API_KEYS.ops}` },
    })
    expect(response.status).toBe(400)
    expect(
      ((await problemOf(response)).errors as { field: string }[]).map((e) => e.field)
    ).toContain(field)
  })

  it('needs a bearer key: the same 401 problem as the other bearer routes, no entry shown', async () => {
    const gw = await startGateway()
    const response = await gw.request('/v1/resets')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const problem = await problemOf(response)
    expect(problem.code).toBe('unauthenticated')
    expect(problem).not.toHaveProperty('resets')
  })
})

describe('GET /v1/resets/{reset_id}', () => {
  it('an unknown id, a malformed id and an invisible entry are the same 404 reset_not_found', async () => {
    const gw = await startGateway()
    const { reset_id } = await resetOk(gw, {
      stream_name: 'mixed',
      app_name: 'billing',
      partition_id: '1',
    })
    const bodies: unknown[] = []
    for (const [id, key] of [
      [reset_id ?? '', API_KEYS.billing],
      ['rst_aaaaaaaaaaaaaaaaaaaaaaaaaa', API_KEYS.ops],
      ['not-an-id', API_KEYS.ops],
    ] as const) {
      const response = await entry(gw, id, key)
      expect(response.status).toBe(404)
      const { request_id: _, ...problem } = await problemOf(response)
      bodies.push(problem)
    }
    expect(bodies[1]).toEqual(bodies[0])
    expect(bodies[2]).toEqual(bodies[0])
    expect(bodies[0]).toMatchObject({ code: 'reset_not_found', status: 404 })
  })
})

describe('retention', () => {
  it('entries are kept LEDGER_RETENTION_DAYS (30 by default), then are gone', async () => {
    let now = Date.now()
    const clock = () => now
    const gw = await startGateway({ app: { now: clock } })
    const { reset_id } = await resetOk(gw, {
      stream_name: 'mixed',
      app_name: 'analytics',
      partition_id: '1',
    })
    now += 30 * DAY - 60_000
    expect((await entry(gw, reset_id ?? '')).status).toBe(200)
    now += 120_000
    expect((await entry(gw, reset_id ?? '')).status).toBe(404)
    const list = await gw.request('/v1/resets?stream_name=mixed&app_name=analytics', {
      headers: { Authorization: `Bearer ${API_KEYS.ops}` },
    })
    expect(
      ((await list.json()) as { resets: { reset_id: string }[] }).resets.map((r) => r.reset_id)
    ).not.toContain(reset_id)
  })

  it('honours LEDGER_RETENTION_DAYS, and one alarm sweeps expired entries', async () => {
    let now = Date.now()
    const gw = await startGateway({
      app: { now: () => now },
      bindings: { LEDGER_RETENTION_DAYS: '1' },
    })
    const { reset_id } = await resetOk(gw, {
      stream_name: 'orders',
      app_name: 'audit',
      partition_id: '2',
    })
    now += DAY + 1_000
    expect((await entry(gw, reset_id ?? '')).status).toBe(404)
    const alarm = await runInDurableObject(ledgerStub(), (_, state) => state.storage.getAlarm())
    expect(alarm).not.toBeNull()
    // Let the sweep see the entry as expired, then run the alarm.
    await runInDurableObject(ledgerStub(), (_, state) => {
      state.storage.sql.exec(
        'UPDATE resets SET expires_at = ? WHERE reset_id = ?',
        Date.now() - 1,
        reset_id
      )
    })
    expect(await runDurableObjectAlarm(ledgerStub())).toBe(true)
    const left = await runInDurableObject(
      ledgerStub(),
      (_, state) =>
        state.storage.sql
          .exec('SELECT COUNT(*) AS n FROM resets WHERE reset_id = ?', reset_id)
          .one().n
    )
    expect(left).toBe(0)
    await runInDurableObject(ledgerStub(), (_, state) => state.storage.deleteAlarm())
  })
})

describe('RESET_LEDGER=off', () => {
  it('is a pure DELETE proxy: no snapshot, no reset_id, no previous; the ledger routes say it is off', async () => {
    const gw = await startGateway({ bindings: { RESET_LEDGER: 'off' } })
    const receipt = await resetOk(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '1',
    })
    expect(receipt.reset_id).toBeUndefined()
    expect(receipt.previous).toBeUndefined()
    expect(await gw.emulator.routes()).toEqual(['iam_token', 'delete_checkpoint'])
    for (const [path, method] of [
      ['/v1/resets', 'GET'],
      ['/v1/resets/rst_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'GET'],
      ['/v1/resets/rst_aaaaaaaaaaaaaaaaaaaaaaaaaa/undo', 'POST'],
    ] as const) {
      const response = await gw.request(path, {
        method,
        headers: { Authorization: `Bearer ${API_KEYS.ops}` },
      })
      expect(response.status).toBe(404)
      expect((await problemOf(response)).detail).toContain('RESET_LEDGER=off')
    }
  })
})
