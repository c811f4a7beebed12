import { describe, expect, inject, it } from 'vitest'
import { emulatorClient } from '../../emulator/client.ts'
import { defaultSeed } from '../../emulator/seed.ts'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway } from '../support/gateway'

/** `GET /v1/checkpoints` (README "Reading checkpoints"): positions, read-only. */

const auth = (key: string = API_KEYS.ops) => ({ headers: { Authorization: `Bearer ${key}` } })
const path = (query: Record<string, string>) => `/v1/checkpoints?${new URLSearchParams(query)}`

describe('GET /v1/checkpoints', () => {
  it('reads one partition with ShowCheckpoint and changes nothing', async () => {
    const gw = await startGateway()
    const response = await gw.request(
      path({ stream_name: 'events', app_name: 'billing', partition_id: '007' }),
      auth(API_KEYS.billing)
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({
      stream_name: 'events',
      app_name: 'billing',
      checkpoint_type: 'LAST_READ',
      partitions: [
        {
          partition_id: 'shardId-0000000007',
          sequence_number: '10',
          status: 'ACTIVE',
          range: { earliest: '0', next: '100' },
          position: '10',
          lag: '90',
        },
      ],
      request_id: response.headers.get('x-request-id'),
    })
    // One DescribeStream call for one partition: the page that starts after its predecessor.
    const calls = (await gw.emulator.calls()).requests
    expect(calls.map((c) => c.route)).toEqual(['iam_token', 'describe_stream', 'show_checkpoint'])
    expect(calls[1]?.query).toMatchObject({
      limit_partitions: ['1'],
      start_partitionId: ['shardId-0000000006'],
    })
  })

  it('reads every readable partition for all, in partition order', async () => {
    const gw = await startGateway()
    await gw.emulator.setCheckpoints([
      { stream_name: 'mixed', app_name: 'audit', partition_id: '2', sequence_number: '12' },
    ])
    const response = await gw.request(
      path({ stream_name: 'mixed', app_name: 'audit', partition_id: 'all' }),
      auth()
    )
    expect(response.status).toBe(200)
    expect(((await response.json()) as { partitions: unknown }).partitions).toEqual([
      {
        partition_id: 'shardId-0000000000',
        sequence_number: null,
        status: 'ACTIVE',
        range: { earliest: '0', next: '100' },
        position: null,
        lag: null,
      },
      {
        partition_id: 'shardId-0000000001',
        sequence_number: null,
        status: 'ACTIVE',
        range: { earliest: '0', next: '100' },
        position: null,
        lag: null,
      },
      {
        partition_id: 'shardId-0000000002',
        sequence_number: '12',
        status: 'DELETED',
        range: { earliest: '0', next: '100' },
        position: '12',
        lag: '88',
      },
    ])
    expect((await gw.emulator.calls()).counts).toMatchObject({
      describe_stream: 1,
      show_checkpoint: 3,
      delete_checkpoint: 0,
      commit_checkpoint: 0,
    })
  })

  it.each(['missing', 'empty', 'negative', 'error'] as const)(
    'a partition without a checkpoint, answered as %s, reads null',
    async (style) => {
      const gw = await startGateway()
      await gw.emulator.settings({ show_missing_checkpoint: style })
      const response = await gw.request(
        path({ stream_name: 'orders', app_name: 'audit', partition_id: '1' }),
        auth()
      )
      expect(response.status).toBe(200)
      expect(((await response.json()) as { partitions: unknown }).partitions).toEqual([
        {
          partition_id: 'shardId-0000000001',
          sequence_number: null,
          status: 'ACTIVE',
          range: { earliest: '0', next: '100' },
          position: null,
          lag: null,
        },
      ])
    }
  )

  it('shows what a consumer committed, and what DIS answers for unknown names', async () => {
    const gw = await startGateway()
    const ok = await gw.request(
      path({ stream_name: 'orders', app_name: 'billing', partition_id: '2' }),
      auth()
    )
    expect(((await ok.json()) as { partitions: unknown }).partitions).toEqual([
      {
        partition_id: 'shardId-0000000002',
        sequence_number: '10',
        status: 'ACTIVE',
        range: { earliest: '0', next: '100' },
        position: '10',
        lag: '90',
      },
    ])
    const noApp = await gw.request(
      path({ stream_name: 'orders', app_name: 'nosuch', partition_id: '2' }),
      auth()
    )
    expect(noApp.status).toBe(404)
    expect((await problemOf(noApp)).code).toBe('app_not_found')
  })

  it('stays exact above 2^53: a range near 9223372036854775807 round-trips as strings', async () => {
    const emulator = await emulatorClient(inject('emulatorUrl')).spawn({
      ...defaultSeed(),
      streams: [
        {
          name: 'orders',
          partitions: [
            {
              status: 'ACTIVE',
              sequence_number_range: ['9223372036854775000', '9223372036854775807'],
            },
          ],
        },
      ],
      checkpoints: [],
    })
    const gw = await startGateway({ emulator })
    await emulator.setCheckpoints([
      {
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: '0',
        sequence_number: '9223372036854775001',
      },
    ])
    const response = await gw.request(
      path({ stream_name: 'orders', app_name: 'billing', partition_id: '0' }),
      auth()
    )
    expect(response.status).toBe(200)
    // Compared as text: JSON.parse would round these to the nearest double.
    const text = await response.text()
    expect(text).toContain(
      '"sequence_number":"9223372036854775001","status":"ACTIVE","range":{"earliest":"9223372036854775000","next":"9223372036854775807"},"position":"9223372036854775001","lag":"806"'
    )
    // Partition 0 has no predecessor: no start_partitionId.
    const describe = (await emulator.calls()).requests.find((c) => c.route === 'describe_stream')
    expect(describe?.query).toEqual({ limit_partitions: ['1'] })
  })

  it('RESUME_AFTER apps read checkpoint + 1; ranges move as records arrive and age out', async () => {
    const gw = await startGateway({ bindings: { RESUME_AFTER: 'orders/bill*' } })
    const read = async (app: string) => {
      const response = await gw.request(
        path({ stream_name: 'orders', app_name: app, partition_id: '1' }),
        auth()
      )
      return ((await response.json()) as { partitions: Record<string, unknown>[] }).partitions[0]
    }
    await gw.emulator.setCheckpoints([
      { stream_name: 'orders', app_name: 'audit', partition_id: '1', sequence_number: '10' },
    ])
    expect(await read('billing')).toMatchObject({
      sequence_number: '10',
      position: '11',
      lag: '89',
    })
    expect(await read('audit')).toMatchObject({ sequence_number: '10', position: '10', lag: '90' })
    await gw.emulator.appendRecords({ stream_name: 'orders', partition_id: '1', count: 5 })
    await gw.emulator.trimRecords({ stream_name: 'orders', partition_id: '1', earliest: '20' })
    expect(await read('billing')).toMatchObject({
      range: { earliest: '20', next: '105' },
      position: '11',
      lag: '94',
    })
  })

  it('is scoped by allow: 403 with no upstream call', async () => {
    const gw = await startGateway()
    const response = await gw.request(
      path({ stream_name: 'mixed', app_name: 'audit', partition_id: '1' }),
      auth(API_KEYS.billing)
    )
    expect(response.status).toBe(403)
    expect(await gw.emulator.routes()).toEqual([])
  })

  it.each([
    [{ stream_name: 'orders', app_name: 'billing', partition_id: '1', dry_run: 'true' }, 'dry_run'],
    [{ stream_name: 'orders', app_name: 'billing', partition_id: '2147483648' }, 'partition_id'],
    [{ stream_name: 'orders', app_name: 'billing' }, 'partition_id'],
    [
      { stream_name: 'orders', app_name: 'billing', partition_id: '1', partiton_id: '2' },
      'partiton_id',
    ],
  ])('%j is a 400 naming %s, with no upstream call', async (query, field) => {
    const gw = await startGateway()
    const response = await gw.request(path(query), auth())
    expect(response.status).toBe(400)
    expect(
      ((await problemOf(response)).errors as { field: string }[]).map((e) => e.field)
    ).toContain(field)
    expect(await gw.emulator.routes()).toEqual([])
  })

  it('answers HEAD like GET, without a body', async () => {
    const gw = await startGateway()
    const response = await gw.request(
      path({ stream_name: 'orders', app_name: 'billing', partition_id: '2' }),
      {
        method: 'HEAD',
        ...auth(),
      }
    )
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })

  it('needs a bearer key', async () => {
    const gw = await startGateway()
    const response = await gw.request(
      path({ stream_name: 'orders', app_name: 'billing', partition_id: '2' })
    )
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect((await problemOf(response)).code).toBe('unauthenticated')
    expect(await gw.emulator.routes()).toEqual([])
  })
})
