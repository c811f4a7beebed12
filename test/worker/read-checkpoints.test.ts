import { describe, expect, it } from 'vitest'
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
      partitions: [{ partition_id: 'shardId-0000000007', sequence_number: '10' }],
      request_id: response.headers.get('x-request-id'),
    })
    expect(await gw.emulator.routes()).toEqual(['iam_token', 'show_checkpoint'])
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
      { partition_id: 'shardId-0000000000', sequence_number: null },
      { partition_id: 'shardId-0000000001', sequence_number: null },
      { partition_id: 'shardId-0000000002', sequence_number: '12' },
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
        { partition_id: 'shardId-0000000001', sequence_number: null },
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
      { partition_id: 'shardId-0000000002', sequence_number: '10' },
    ])
    const noApp = await gw.request(
      path({ stream_name: 'orders', app_name: 'nosuch', partition_id: '2' }),
      auth()
    )
    expect(noApp.status).toBe(404)
    expect((await problemOf(noApp)).code).toBe('app_not_found')
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
