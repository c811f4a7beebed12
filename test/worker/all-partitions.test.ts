import { describe, expect, it } from 'vitest'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startPureProxy } from '../support/gateway'
import { registerSecret } from '../support/log-capture'

const shard = (n: number) => `shardId-${String(n).padStart(10, '0')}`
const range = (n: number) => Array.from({ length: n }, (_, i) => shard(i))

async function deletedPartitions(gw: Awaited<ReturnType<typeof startPureProxy>>) {
  const { requests } = await gw.emulator.calls()
  return requests
    .filter((r) => r.route === 'delete_checkpoint')
    .map((r) => r.query.partition_id?.[0])
}

describe('partition_id=all', () => {
  it('resets every partition of a 3-partition stream with 3 DELETEs, in partition order', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: 'all' },
      API_KEYS.billing
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      stream_name: 'orders',
      app_name: 'billing',
      partitions: range(3),
    })
    expect((await deletedPartitions(gw)).sort()).toEqual(range(3))
    const { counts } = await gw.emulator.calls()
    expect(counts.describe_stream).toBe(1)
    expect(counts.iam_token).toBe(1)
    const left = (await gw.emulator.checkpoints()).filter(
      (c) => c.stream_name === 'orders' && c.app_name === 'billing'
    )
    expect(left).toEqual([])
  })

  it('skips EXPIRED partitions and keeps DELETED ones', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(
      { stream_name: 'mixed', app_name: 'audit', partition_id: 'all' },
      API_KEYS.ops
    )
    expect(response.status).toBe(200)
    expect(((await response.json()) as { partitions: string[] }).partitions).toEqual([
      shard(0),
      shard(1),
      shard(2),
    ])
    expect((await deletedPartitions(gw)).sort()).toEqual([shard(0), shard(1), shard(2)])
  })

  it('follows short pages: a 12-partition stream in pages of 10 resets all 12 exactly once', async () => {
    const gw = await startPureProxy()
    await gw.emulator.settings({ max_page_size: 10 })
    const response = await gw.reset(
      { stream_name: 'events', app_name: 'billing', partition_id: 'all' },
      API_KEYS.billing
    )
    expect(response.status).toBe(200)
    expect(((await response.json()) as { partitions: string[] }).partitions).toEqual(range(12))
    const deleted = await deletedPartitions(gw)
    expect(deleted).toHaveLength(12)
    expect(new Set(deleted).size).toBe(12)
    const describes = (await gw.emulator.calls()).requests.filter(
      (r) => r.route === 'describe_stream'
    )
    expect(describes.map((r) => r.query.start_partitionId?.[0])).toEqual([undefined, shard(9)])
    expect(describes[0]?.query.limit_partitions).toEqual(['1000'])
  })

  it('fans out a few at a time: 32 partitions at 250 ms latency, well under the serial time', async () => {
    const gw = await startPureProxy({
      app: { retry: { deadlineMs: 15_000, attemptTimeoutMs: 3_000 } },
    })
    await gw.emulator.settings({ latency_ms: 250 })
    const started = Date.now()
    const response = await gw.reset(
      { stream_name: 'big', app_name: 'billing', partition_id: 'all' },
      API_KEYS.ops
    )
    const elapsed = Date.now() - started
    expect(response.status).toBe(200)
    expect(((await response.json()) as { partitions: string[] }).partitions).toEqual(range(32))
    const calls = await gw.emulator.calls()
    expect(calls.counts.delete_checkpoint).toBe(32)
    // Serial would be 33 × 250 ms ≈ 8.3 s; 5 at a time is ⌈32/5⌉ + 1 = 8 round trips ≈ 2 s.
    // The margin is wide on purpose (a loaded CI machine); the peak below is the precise check.
    expect(elapsed).toBeLessThan(6_000)
    expect(calls.peak_in_flight).toBeGreaterThanOrEqual(2)
    expect(calls.peak_in_flight).toBeLessThanOrEqual(6)
  })

  it('a partition that keeps failing yields a problem naming failed and reset partitions', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({
      route: 'delete_checkpoint',
      partition_id: '2',
      status: 500,
      error_code: 'DIS.5000',
    })
    const response = await gw.reset(
      { stream_name: 'events', app_name: 'billing', partition_id: 'all' },
      API_KEYS.billing
    )
    expect(response.status).toBe(502)
    const problem = await problemOf(response)
    expect(problem.code).toBe('upstream_error')
    expect(problem.upstream).toEqual({ status: 500, error_code: 'DIS.5000' })
    const partitions = problem.partitions as {
      partition_id: string
      result: string
      code?: string
    }[]
    expect(partitions).toHaveLength(12)
    expect(partitions.filter((p) => p.result === 'failed')).toEqual([
      { partition_id: shard(2), result: 'failed', code: 'upstream_error' },
    ])
    expect(partitions.filter((p) => p.result === 'deleted').map((p) => p.partition_id)).toEqual(
      range(12).filter((p) => p !== shard(2))
    )
    const deleted = await deletedPartitions(gw)
    expect(deleted.filter((p) => p === shard(2))).toHaveLength(3)
    expect(deleted).toHaveLength(11 + 3)
    // Retrying is safe and completes the reset once the fault is gone.
    await gw.emulator.clearFaults()
    expect(
      (
        await gw.reset(
          { stream_name: 'events', app_name: 'billing', partition_id: 'all' },
          API_KEYS.billing
        )
      ).status
    ).toBe(200)
  })

  it('a timeout on some partitions is a 504 listing them', async () => {
    const gw = await startPureProxy()
    await gw.emulator.addFault({ route: 'delete_checkpoint', partition_id: '1', hang: true })
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: 'all' },
      API_KEYS.billing
    )
    expect(response.status).toBe(504)
    const partitions = (await problemOf(response)).partitions as {
      partition_id: string
      result: string
    }[]
    expect(partitions.map((p) => p.result)).toEqual(['deleted', 'failed', 'deleted'])
  })

  it('an unknown stream is 404 stream_not_found with no DELETE', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(
      { stream_name: 'nosuch', app_name: 'billing', partition_id: 'all' },
      API_KEYS.ops
    )
    expect(response.status).toBe(404)
    expect((await problemOf(response)).code).toBe('stream_not_found')
    expect(await deletedPartitions(gw)).toEqual([])
  })

  it('answers a clear problem instead of exceeding the subrequest limit', async () => {
    const gw = await startPureProxy({ bindings: { WORKERS_SUBREQUEST_LIMIT: '20' } })
    const response = await gw.reset(
      { stream_name: 'big', app_name: 'billing', partition_id: 'all' },
      API_KEYS.ops
    )
    expect(response.status).toBe(400)
    const problem = await problemOf(response)
    expect(problem).toMatchObject({
      code: 'invalid_request',
      partition_count: 32,
      max_partitions_per_call: 15,
    })
    expect(await deletedPartitions(gw)).toEqual([])
  })

  it('the Free plan default (50) covers the 32-partition stream', async () => {
    const gw = await startPureProxy({ app: { retry: { deadlineMs: 10_000 } } })
    expect(
      (
        await gw.reset(
          { stream_name: 'big', app_name: 'billing', partition_id: 'all' },
          API_KEYS.ops
        )
      ).status
    ).toBe(200)
  })
})

describe('dry_run', () => {
  it('for all: lists the partitions with DescribeStream and sends no DELETE', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(
      { stream_name: 'mixed', app_name: 'billing', partition_id: 'all', dry_run: 'true' },
      API_KEYS.ops
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      partitions: [shard(0), shard(1), shard(2)],
      dry_run: true,
    })
    const { counts } = await gw.emulator.calls()
    expect(counts.describe_stream).toBe(1)
    expect(counts.delete_checkpoint).toBe(0)
  })

  it('for one partition: validates, authorizes and answers with zero upstream calls', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '007', dry_run: 'true' },
      API_KEYS.billing
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ partitions: [shard(7)], dry_run: true })
    expect((await gw.emulator.calls()).requests).toHaveLength(0)
  })

  it('still enforces scopes', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(
      { stream_name: 'big', app_name: 'billing', partition_id: 'all', dry_run: 'true' },
      API_KEYS.billing
    )
    expect(response.status).toBe(403)
    expect((await gw.emulator.calls()).requests).toHaveLength(0)
  })

  it('dry_run=false deletes, and only true/false are accepted', async () => {
    const gw = await startPureProxy()
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '1', dry_run: 'false' },
      API_KEYS.billing
    )
    expect(response.status).toBe(200)
    expect(await response.json()).not.toHaveProperty('dry_run')
    expect(await deletedPartitions(gw)).toEqual([shard(1)])
    for (const value of ['yes', '1', 'TRUE', '']) {
      const bad = await gw.reset(
        { stream_name: 'orders', app_name: 'billing', partition_id: '1', dry_run: value },
        API_KEYS.billing
      )
      expect(bad.status).toBe(400)
    }
  })

  it('works on the webhook route with a JSON boolean, and with all', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    registerSecret(secret)
    const gw = await startPureProxy({
      clients: [{ id: 'ci', webhook_secrets: [secret], allow: ['*/*'] }],
    })
    const send = async (body: string) => {
      const headers = await standardWebhookHeaders({
        secret,
        id: `msg_${crypto.randomUUID().slice(0, 8)}`,
        timestamp: Math.floor(Date.now() / 1000),
        body,
      })
      return gw.request('/v1/hooks/ci', {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', ...headers },
      })
    }
    const dry = await send(
      JSON.stringify({
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: 'all',
        dry_run: true,
      })
    )
    expect(dry.status).toBe(200)
    expect(await dry.json()).toMatchObject({ partitions: range(3), dry_run: true })
    expect(await deletedPartitions(gw)).toEqual([])
    expect(
      (
        await send(
          JSON.stringify({
            stream_name: 'orders',
            app_name: 'billing',
            partition_id: 1,
            dry_run: 'true',
          })
        )
      ).status
    ).toBe(400)
    const real = await send(
      JSON.stringify({ stream_name: 'orders', app_name: 'billing', partition_id: 'all' })
    )
    expect(real.status).toBe(200)
    expect((await deletedPartitions(gw)).sort()).toEqual(range(3))
  })
})
