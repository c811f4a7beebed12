import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { emulatorClient } from '../../emulator/client.ts'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { registerSecret } from '../support/log-capture'
import { countingNamespace } from '../support/object-calls'
import { MINUTE, ordersWithTwoHours } from '../support/worlds'

const shard = (n: number) => `shardId-${String(n).padStart(10, '0')}`

type Answer = {
  status?: string
  dry_run?: boolean
  reset_id?: string
  partitions: {
    partition_id: string
    range: { earliest: string; next: string }
    previous: string | null
    position: string | null
    committed: string | null
    evidence: Record<string, unknown> | null
    result: string
    code?: string
  }[]
}

function move(gw: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  return gw.request('/v1/resets', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${API_KEYS.ops}`,
      'Content-Type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** The default world, but `orders` has one record a minute for the last 2 hours on each partition. */
async function gatewayWithHours(options: Parameters<typeof startGateway>[0] = {}) {
  const seed = ordersWithTwoHours()
  const emulator = await emulatorClient(inject('emulatorUrl')).spawn(seed)
  return startGateway({ ...options, emulator })
}

async function checkpointsOf(gw: TestGateway, app = 'billing') {
  return Object.fromEntries(
    (await gw.emulator.checkpoints())
      .filter((c) => c.stream_name === 'orders' && c.app_name === app)
      .map((c) => [c.partition_id, c.sequence_number])
  )
}

async function routeCount(gw: TestGateway, route: string) {
  return (await gw.emulator.calls()).requests.filter((r) => r.route === route).length
}

describe('POST /v1/resets: moves', () => {
  it('plans "rewind 1 hour" on all partitions with an ETag, then applies it with If-Match', async () => {
    const gw = await gatewayWithHours()
    const body = {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 'all',
      to: { type: 'duration', duration: 'PT1H' },
    }
    const plan = await move(gw, { ...body, dry_run: true })
    expect(plan.status).toBe(200)
    const etag = plan.headers.get('ETag')
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/)
    const planned = (await plan.json()) as Answer
    expect(planned.dry_run).toBe(true)
    expect(planned.reset_id).toBeUndefined()
    expect(planned.partitions.map((p) => p.partition_id)).toEqual([shard(0), shard(1), shard(2)])
    const planStartedAt = Date.now()
    for (const p of planned.partitions) {
      expect(p.result).toBe('planned')
      expect(p.previous).toBe('10')
      // One record a minute: the first at or after now − 1 h is about 60 back from the end.
      const position = BigInt(p.position as string)
      const next = BigInt(p.range.next)
      expect(next - position).toBeGreaterThanOrEqual(59n)
      expect(next - position).toBeLessThanOrEqual(61n)
      const stamp = Date.parse(p.evidence?.record_timestamp as string)
      expect(stamp).toBeGreaterThanOrEqual(planStartedAt - 60 * MINUTE - 5_000)
    }
    expect(await routeCount(gw, 'commit_checkpoint')).toBe(0)
    expect(await checkpointsOf(gw)).toEqual({
      [shard(0)]: '10',
      [shard(1)]: '10',
      [shard(2)]: '10',
    })

    const applied = await move(gw, body, { 'If-Match': etag as string })
    expect(applied.status).toBe(200)
    const answer = (await applied.json()) as Answer
    expect(answer.status).toBe('completed')
    expect(answer.reset_id).toMatch(/^rst_/)
    expect(answer.partitions.map((p) => p.result)).toEqual(['committed', 'committed', 'committed'])
    expect(await checkpointsOf(gw)).toEqual(
      Object.fromEntries(answer.partitions.map((p) => [p.partition_id, p.committed]))
    )
    // The same positions as the plan (no records were written in between).
    expect(answer.partitions.map((p) => p.position)).toEqual(
      planned.partitions.map((p) => p.position)
    )

    const entry = (await (
      await gw.request(`/v1/resets/${answer.reset_id}`, {
        headers: { Authorization: `Bearer ${API_KEYS.ops}` },
      })
    ).json()) as Record<string, unknown> & { partitions: Record<string, unknown>[] }
    expect(entry.kind).toBe('move')
    expect(entry.to).toEqual({ type: 'duration', duration: 'PT1H' })
    expect(entry.status).toBe('completed')
    expect(entry.partitions[0]).toMatchObject({
      partition_id: shard(0),
      previous_sequence_number: '10',
      result: 'committed',
      position: answer.partitions[0]?.position,
      committed: answer.partitions[0]?.committed,
    })
    expect(entry.partitions[0]?.evidence).toHaveProperty('record_timestamp')

    // The records GetRecords returned carry customer data: only their sequence number and time
    // are read. Their payloads (the emulator's are base64 of "stream/partition/sequence") are in
    // no answer, no ledger entry and (registered with the log check) no log line.
    const payloads = planned.partitions.map((p, n) => btoa(`orders/${n}/${p.position as string}`))
    expect(await routeCount(gw, 'get_records')).toBeGreaterThanOrEqual(3)
    for (const payload of payloads) {
      registerSecret(payload)
      for (const shown of [planned, answer, entry]) {
        expect(JSON.stringify(shown)).not.toContain(payload)
      }
    }
  })

  it('answers 412 checkpoints_changed when a consumer moved since the plan, and changes nothing', async () => {
    const gw = await gatewayWithHours()
    const body = {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 'all',
      to: { type: 'earliest' },
    }
    const listed = async () =>
      (
        (await (
          await gw.request('/v1/resets', { headers: { Authorization: `Bearer ${API_KEYS.ops}` } })
        ).json()) as { resets: unknown[] }
      ).resets.length
    const entriesBefore = await listed()
    const plan = await move(gw, { ...body, dry_run: true })
    const etag = plan.headers.get('ETag') as string
    // The live consumer commits partition 1 after the plan was made.
    await gw.emulator.setCheckpoints([
      { stream_name: 'orders', app_name: 'billing', partition_id: shard(1), sequence_number: '57' },
    ])
    await gw.emulator.resetCalls()
    const applied = await move(gw, body, { 'If-Match': etag })
    expect(applied.status).toBe(412)
    const problem = await problemOf(applied)
    expect(problem.code).toBe('checkpoints_changed')
    expect(problem.partitions).toContainEqual({ partition_id: shard(1), sequence_number: '57' })
    expect(await routeCount(gw, 'commit_checkpoint')).toBe(0)
    expect(await checkpointsOf(gw)).toEqual({
      [shard(0)]: '10',
      [shard(1)]: '57',
      [shard(2)]: '10',
    })
    // Nothing recorded either.
    expect(await listed()).toBe(entriesBefore)
  })

  it('refuses a timestamp without an offset and one in the future, before any upstream call', async () => {
    const gw = await startGateway()
    const base = { stream_name: 'orders', app_name: 'billing', partition_id: '0' }
    const local = await move(gw, {
      ...base,
      to: { type: 'timestamp', timestamp: '2026-12-04T09:30:00' },
    })
    expect(local.status).toBe(400)
    expect(JSON.stringify(await problemOf(local))).toContain('offset')
    const future = new Date(Date.now() + 3_600_000).toISOString()
    const later = await move(gw, { ...base, to: { type: 'timestamp', timestamp: future } })
    expect(later.status).toBe(400)
    expect(JSON.stringify(await problemOf(later))).toContain('later than now')
    expect((await gw.emulator.calls()).requests).toEqual([])
  })

  it('a time before retention: 409 position_out_of_range (reject), earliest (clamp)', async () => {
    const gw = await gatewayWithHours()
    const base = {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
      to: { type: 'duration', duration: 'P5D' },
    }
    const rejected = await move(gw, base)
    expect(rejected.status).toBe(409)
    const problem = await problemOf(rejected)
    expect(problem.code).toBe('position_out_of_range')
    expect((problem.partitions as unknown[])[0]).toMatchObject({
      partition_id: shard(0),
      requested: null,
    })
    expect(await routeCount(gw, 'commit_checkpoint')).toBe(0)
    const clamped = await move(gw, { ...base, out_of_range: 'clamp' })
    expect(clamped.status).toBe(200)
    const answer = (await clamped.json()) as Answer
    expect(answer.partitions[0]?.position).toBe(answer.partitions[0]?.range.earliest)
    expect(answer.partitions[0]?.evidence).toHaveProperty('clamped_from')
    expect((await checkpointsOf(gw))[shard(0)]).toBe(answer.partitions[0]?.range.earliest)
  })

  it('no record at or after T → range.next, evidenced by no_record_after', async () => {
    const gw = await gatewayWithHours()
    // The newest record was written when the emulator started: none is at or after now.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const at = new Date(Date.now()).toISOString()
    const response = await move(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '2',
      to: { type: 'timestamp', timestamp: at },
      dry_run: true,
    })
    expect(response.status).toBe(200)
    const p = ((await response.json()) as Answer).partitions[0]
    expect(p?.position).toBe(p?.range.next)
    expect(p?.evidence).toMatchObject({ no_record_after: at })
  })

  it('stops after 3 empty GetRecords batches and says so in the evidence', async () => {
    const gw = await gatewayWithHours()
    await gw.emulator.settings({ empty_record_batches: 10 })
    const response = await move(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
      to: { type: 'duration', duration: 'PT1H' },
      dry_run: true,
    })
    expect(response.status).toBe(200)
    const p = ((await response.json()) as Answer).partitions[0]
    expect(p?.evidence).toMatchObject({ empty_batches: 3 })
    expect(p?.evidence).toHaveProperty('no_record_after')
    expect(await routeCount(gw, 'get_records')).toBe(3)
  })

  it('a sequence number outside [A, B]: 409 or clamped; int64 above 2^53 stays exact', async () => {
    const gw = await startGateway()
    await gw.emulator.setPartitionRange({
      stream_name: 'orders',
      partition_id: '0',
      sequence_number_range: ['9007199254740993', '9007199254741093'],
    })
    const base = { stream_name: 'orders', app_name: 'billing', partition_id: '0' }
    const inside = await move(gw, {
      ...base,
      to: { type: 'sequence_number', sequence_number: '9007199254740995' },
    })
    expect(inside.status).toBe(200)
    expect((await checkpointsOf(gw))[shard(0)]).toBe('9007199254740995')
    const beyond = {
      ...base,
      to: { type: 'sequence_number', sequence_number: '9223372036854775807' },
    }
    const rejected = await move(gw, beyond)
    expect(rejected.status).toBe(409)
    expect((await problemOf(rejected)).partitions).toEqual([
      {
        partition_id: shard(0),
        range: { earliest: '9007199254740993', next: '9007199254741093' },
        requested: '9223372036854775807',
      },
    ])
    const clamped = await move(gw, { ...beyond, out_of_range: 'clamp' })
    expect(clamped.status).toBe(200)
    expect((await checkpointsOf(gw))[shard(0)]).toBe('9007199254741093')
  })

  it('shift_by and app without a checkpoint → 409 no_checkpoint, nothing changed', async () => {
    const gw = await gatewayWithHours()
    const shift = await move(gw, {
      stream_name: 'orders',
      app_name: 'analytics',
      partition_id: 'all',
      to: { type: 'shift_by', shift_by: -5 },
    })
    expect(shift.status).toBe(409)
    expect((await problemOf(shift)).code).toBe('no_checkpoint')
    const copy = await move(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '1',
      to: { type: 'app', app_name: 'analytics' },
    })
    expect(copy.status).toBe(409)
    expect((await problemOf(copy)).code).toBe('no_checkpoint')
    expect(await routeCount(gw, 'commit_checkpoint')).toBe(0)
  })

  it('shift_by must be written as an integer; duplicate keys and unknown fields are 400', async () => {
    const gw = await startGateway()
    const base = '"stream_name":"orders","app_name":"billing","partition_id":"0"'
    for (const text of [
      `{${base},"to":{"type":"shift_by","shift_by":-5.0}}`,
      `{${base},"to":{"type":"shift_by","shift_by":-5e0}}`,
      `{${base},"to":{"type":"earliest"},"to":{"type":"latest"}}`,
      `{${base},"to":{"type":"earliest","when":"now"}}`,
      `{${base},"to":{"type":"earliest"},"out_of_rang":"clamp"}`,
    ]) {
      const response = await move(gw, text)
      expect(response.status, text).toBe(400)
    }
    expect((await gw.emulator.calls()).requests).toEqual([])
  })

  it('moves by shift_by from the current checkpoint, keeping its metadata', async () => {
    const gw = await gatewayWithHours()
    await gw.emulator.setCheckpoints([
      {
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: shard(0),
        sequence_number: '100',
        metadata: 'host-a',
      },
    ])
    const response = await move(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
      to: { type: 'shift_by', shift_by: -30 },
    })
    expect(response.status).toBe(200)
    const stored = (await gw.emulator.checkpoints()).find(
      (c) => c.stream_name === 'orders' && c.app_name === 'billing' && c.partition_id === shard(0)
    )
    expect(stored).toMatchObject({ sequence_number: '70', metadata: 'host-a' })
  })

  it('the other app must be within allow too (403), and a partition already there is unchanged', async () => {
    const gw = await gatewayWithHours()
    const body = {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
      to: { type: 'app', app_name: 'analytics' },
    }
    const forbidden = await move(gw, body, { Authorization: `Bearer ${API_KEYS.billing}` })
    expect(forbidden.status).toBe(403)
    const unchanged = await move(gw, {
      ...body,
      to: { type: 'sequence_number', sequence_number: '10' },
    })
    expect(unchanged.status).toBe(200)
    expect(((await unchanged.json()) as Answer).partitions[0]?.result).toBe('unchanged')
    expect(await routeCount(gw, 'commit_checkpoint')).toBe(0)
  })

  it('a commit failing halfway answers partial with per-partition results; the retry finishes', async () => {
    const gw = await gatewayWithHours()
    await gw.emulator.addFault({
      route: 'commit_checkpoint',
      partition_id: '1',
      status: 500,
      error_code: 'DIS.5000',
    })
    const body = {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 'all',
      to: { type: 'earliest' },
    }
    const first = await move(gw, body)
    expect(first.status).toBe(502)
    const problem = await problemOf(first)
    expect(problem.outcome).toBe('partial')
    expect((problem.partitions as { result: string }[]).map((p) => p.result)).toEqual([
      'committed',
      'failed',
      'committed',
    ])
    await gw.emulator.clearFaults()
    const retry = await move(gw, body)
    expect(retry.status).toBe(200)
    expect(((await retry.json()) as Answer).partitions.map((p) => p.result)).toEqual([
      'unchanged',
      'committed',
      'unchanged',
    ])
  })

  it('an app that resumes after its checkpoint cannot be moved to position 0: 400 naming it', async () => {
    const gw = await startGateway({ bindings: { RESUME_AFTER: 'orders/billing' } })
    const response = await move(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
      to: { type: 'sequence_number', sequence_number: '0' },
    })
    expect(response.status).toBe(400)
    expect(JSON.stringify(await problemOf(response))).toContain('shardId-0000000000')
    expect(await routeCount(gw, 'commit_checkpoint')).toBe(0)
  })

  it('a time move over more partitions than the subrequest limit allows is a 400 naming the maximum', async () => {
    const gw = await startGateway({
      bindings: { WORKERS_SUBREQUEST_LIMIT: '50', RESET_VERIFY_SECONDS: '10' },
    })
    const response = await move(gw, {
      stream_name: 'events',
      app_name: 'billing',
      partition_id: 'all',
      to: { type: 'duration', duration: 'PT1H' },
    })
    expect(response.status).toBe(400)
    const problem = await problemOf(response)
    expect(problem.max_partitions_per_call).toBe(7)
    expect(problem.detail).toContain('at most 7 partitions')
    // Only DescribeStream was called (to count the partitions).
    expect(await routeCount(gw, 'show_checkpoint')).toBe(0)
    expect(await routeCount(gw, 'get_cursor')).toBe(0)
  })

  it('with RESET_LEDGER=off, POST /v1/resets is a 404 saying the ledger is off', async () => {
    const gw = await startGateway({ bindings: { RESET_LEDGER: 'off' } })
    const response = await move(gw, {
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: '0',
      to: { type: 'earliest' },
    })
    expect(response.status).toBe(404)
    expect((await problemOf(response)).detail).toContain('RESET_LEDGER=off')
    expect((await gw.emulator.calls()).requests).toEqual([])
  })
})

describe('what a move asks of the ledger', () => {
  it('one Durable Object call takes the leases and writes the entry; the outcome follows the answer', async () => {
    const ledger = countingNamespace(env.LEDGER as unknown as DurableObjectNamespace)
    const gw = await startGateway({ bindings: { LEDGER: ledger.namespace } })
    const response = await gw.request('/v1/resets', {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEYS.ops}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: '1',
        to: { type: 'earliest' },
      }),
    })
    expect(response.status, await response.clone().text()).toBe(200)
    // Before the commit: only leaseAndRecord (then complete, after the answer).
    await expect.poll(() => ledger.calls).toEqual(['leaseAndRecord', 'complete'])
    expect(await gw.emulator.routes()).toEqual([
      'iam_token',
      'describe_stream',
      'show_checkpoint',
      'commit_checkpoint',
      'show_checkpoint',
    ])
  })
})
