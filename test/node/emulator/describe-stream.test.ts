// DescribeStream: docs/upstream.md § DescribeStream, test vector T14.
import { describe, expect, it } from 'vitest'
import { DEMO, streamUrl } from '../../../emulator/demo.ts'
import { ctl, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()

function describeStream(stream: string, query: Record<string, string> = {}) {
  return fetch(streamUrl(emu.url, stream, query), { headers: { 'X-Auth-Token': token } })
}

interface Page {
  partitions: Array<{ partition_id: string; status: string }>
  has_more_partitions: boolean
}

describe('GET /v2/{project_id}/streams/{stream_name}', () => {
  it('T14: all fields, in order, for orders', async () => {
    const res = await describeStream('orders', { limit_partitions: '100' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    const body = await res.json<Json>()
    expect(Object.keys(body)).toEqual([
      'stream_id',
      'stream_name',
      'create_time',
      'last_modified_time',
      'retention_period',
      'status',
      'stream_type',
      'data_type',
      'writable_partition_count',
      'readable_partition_count',
      'tags',
      'auto_scale_enabled',
      'auto_scale_min_partition_count',
      'auto_scale_max_partition_count',
      'partitions',
      'has_more_partitions',
    ])
    expect(body).toMatchObject({
      stream_name: 'orders',
      create_time: 1593569685875,
      last_modified_time: 1599050091026,
      retention_period: 24,
      status: 'RUNNING',
      stream_type: 'COMMON',
      data_type: 'BLOB',
      writable_partition_count: 3,
      readable_partition_count: 3,
      tags: [],
      auto_scale_enabled: false,
      auto_scale_min_partition_count: 0,
      auto_scale_max_partition_count: 0,
      has_more_partitions: false,
    })
    expect(body.stream_id).toMatch(/^[0-9A-Za-z]{19}$/)
    expect(body.partitions).toEqual([
      {
        status: 'ACTIVE',
        partition_id: 'shardId-0000000000',
        hash_range: '[0 : 3074457345618258602]',
        sequence_number_range: '[0 : 100]',
      },
      {
        status: 'ACTIVE',
        partition_id: 'shardId-0000000001',
        hash_range: '[3074457345618258603 : 6148914691236517205]',
        sequence_number_range: '[0 : 100]',
      },
      {
        status: 'ACTIVE',
        partition_id: 'shardId-0000000002',
        hash_range: '[6148914691236517206 : 9223372036854775807]',
        sequence_number_range: '[0 : 100]',
      },
    ])
  })

  it('mixed: statuses and writable (ACTIVE) / readable (ACTIVE+DELETED) counts', async () => {
    const body = await (await describeStream('mixed')).json<Json>()
    expect(body.partitions.map((p: { status: string }) => p.status)).toEqual([
      'ACTIVE',
      'ACTIVE',
      'DELETED',
      'EXPIRED',
    ])
    expect(body.writable_partition_count).toBe(2)
    expect(body.readable_partition_count).toBe(3)
  })

  it('pages with limit_partitions and an exclusive start_partitionId (both id forms)', async () => {
    const first: Page = await (
      await describeStream('events', { limit_partitions: '5' })
    ).json<Json>()
    expect(first.partitions.map((p) => p.partition_id)).toEqual(
      [0, 1, 2, 3, 4].map((n) => `shardId-000000000${n}`)
    )
    expect(first.has_more_partitions).toBe(true)
    const second: Page = await (
      await describeStream('events', {
        limit_partitions: '5',
        start_partitionId: 'shardId-0000000004',
      })
    ).json<Json>()
    expect(second.partitions[0]?.partition_id).toBe('shardId-0000000005')
    const digits: Page = await (
      await describeStream('events', { limit_partitions: '5', start_partitionId: '9' })
    ).json<Json>()
    expect(digits.partitions.map((p) => p.partition_id)).toEqual([
      'shardId-0000000010',
      'shardId-0000000011',
    ])
    expect(digits.has_more_partitions).toBe(false)
    const past: Page = await (
      await describeStream('events', { start_partitionId: '11' })
    ).json<Json>()
    expect(past.partitions).toEqual([])
    expect(past.has_more_partitions).toBe(false)
  })

  it('default limit is 100; big fits in one page', async () => {
    const body: Page = await (await describeStream('big')).json<Json>()
    expect(body.partitions).toHaveLength(32)
    expect(body.has_more_partitions).toBe(false)
  })

  it('limit_partitions outside 1–1000 or not an integer → 400 DIS.4200', async () => {
    for (const limit of ['0', '1001', 'abc', '1.5', '-1', '']) {
      const res = await describeStream('orders', { limit_partitions: limit })
      expect(res.status, limit).toBe(400)
      expect((await res.json<Json>()).errorCode, limit).toBe('DIS.4200')
    }
    expect((await describeStream('orders', { limit_partitions: '1000' })).status).toBe(200)
    expect((await describeStream('orders', { limit_partitions: '1' })).status).toBe(200)
  })

  it('bad start_partitionId → DIS.4201', async () => {
    const res = await describeStream('orders', { start_partitionId: 'nope' })
    expect(await res.json<Json>()).toEqual({
      errorCode: 'DIS.4201',
      message: 'Invalid partition_id. [nope]',
    })
  })

  it('max_page_size forces short pages; a paging client still sees every partition', async () => {
    await ctl.settings({ max_page_size: 7 })
    const seen: string[] = []
    let start: string | undefined
    let pages = 0
    for (;;) {
      const page: Page = await (
        await describeStream('big', {
          limit_partitions: '1000',
          ...(start ? { start_partitionId: start } : {}),
        })
      ).json<Json>()
      pages++
      expect(page.partitions.length).toBeLessThanOrEqual(7)
      seen.push(...page.partitions.map((p) => p.partition_id))
      if (!page.has_more_partitions) break
      start = page.partitions.at(-1)?.partition_id
    }
    expect(pages).toBe(5)
    expect(seen).toHaveLength(32)
    expect(new Set(seen).size).toBe(32)
  })

  it('missing stream → 400 DIS.4301', async () => {
    const res = await describeStream('nope')
    expect(res.status).toBe(400)
    expect(await res.json<Json>()).toEqual({
      errorCode: 'DIS.4301',
      message: `Stream does not exist. [nope][${DEMO.projectId}]`,
    })
  })
})
