import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway } from '../support/gateway'

describe('the deployed entry point (exports.default, wrangler.jsonc bindings)', () => {
  it('answers /healthz without calling upstream', async () => {
    const response = await exports.default.fetch('https://gateway.test/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', config: 'valid' })
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('knows no client with the empty test client list', async () => {
    const response = await exports.default.fetch(
      'https://gateway.test/v1/checkpoints?stream_name=orders&app_name=billing&partition_id=1',
      { method: 'DELETE', headers: { Authorization: `Bearer ${API_KEYS.billing}` } }
    )
    expect(response.status).toBe(401)
    expect((await problemOf(response)).code).toBe('unauthenticated')
  })
})

describe('a reset through the gateway', () => {
  it('deletes the canonical partition upstream and answers the receipt', async () => {
    const gw = await startGateway()
    const response = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '2' },
      API_KEYS.billing,
      {
        'X-Request-Id': 'caller-id-123',
      }
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    // The gateway's own id, never the caller's (which only the log line and entry keep).
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(await response.json()).toEqual({
      stream_name: 'orders',
      app_name: 'billing',
      checkpoint_type: 'LAST_READ',
      partitions: ['shardId-0000000002'],
      reset_id: expect.stringMatching(/^rst_[a-z2-7]{26}$/),
      previous: [{ partition_id: 'shardId-0000000002', sequence_number: '10' }],
      request_id: response.headers.get('x-request-id'),
    })
    const calls = await gw.emulator.calls()
    expect(calls.counts.iam_token).toBe(1)
    expect(calls.counts.delete_checkpoint).toBe(1)
    const del = calls.requests.find((r) => r.route === 'delete_checkpoint')
    expect(del?.query).toEqual({
      stream_name: ['orders'],
      app_name: ['billing'],
      checkpoint_type: ['LAST_READ'],
      partition_id: ['shardId-0000000002'],
    })
    const remaining = await gw.emulator.checkpoints()
    expect(
      remaining.some(
        (c) =>
          c.stream_name === 'orders' &&
          c.app_name === 'billing' &&
          c.partition_id === 'shardId-0000000002'
      )
    ).toBe(false)
    expect(
      remaining.some(
        (c) =>
          c.stream_name === 'orders' &&
          c.app_name === 'billing' &&
          c.partition_id === 'shardId-0000000001'
      )
    ).toBe(true)
  })
})
