import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { startGateway } from '../support/gateway'
import { capturedLogLines } from '../support/log-capture'

function linesFor(requestId: string): Record<string, unknown>[] {
  return capturedLogLines()
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('request logs', () => {
  it('writes exactly one structured JSON line per request with the documented fields', async () => {
    const gw = await startGateway()
    await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '2' },
      API_KEYS.billing,
      { 'X-Request-Id': 'log-ok-1' }
    )
    await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '2' },
      API_KEYS.billing,
      { 'X-Request-Id': 'log-ok-2' }
    )
    const [first] = linesFor('log-ok-1')
    expect(linesFor('log-ok-1')).toHaveLength(1)
    expect(first).toMatchObject({
      level: 'info',
      msg: 'request',
      // The gateway's own id; the caller's is kept for correlation only.
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_request_id: 'log-ok-1',
      client_id: 'billing-svc',
      method: 'DELETE',
      route: 'DELETE /v1/checkpoints',
      stream: 'orders',
      app: 'billing',
      partitions: ['shardId-0000000002'],
      status: 200,
      code: null,
      // ShowCheckpoint (the snapshot), then the DELETE.
      upstream_attempts: 2,
      iam_calls: 1,
      token: 'fetch',
    })
    expect(typeof first?.duration_ms).toBe('number')
    expect(linesFor('log-ok-2')[0]).toMatchObject({ token: 'cache', iam_calls: 0 })
  })

  it('logs rejected values escaped and truncated, and failures with their code', async () => {
    const gw = await startGateway()
    const evil = `orders\r\n{"level":"info","forged":true}${'x'.repeat(300)}`
    await gw.reset(
      { stream_name: evil, app_name: 'billing', partition_id: '1' },
      API_KEYS.billing,
      { 'X-Request-Id': 'log-bad-1' }
    )
    const lines = capturedLogLines().filter((l) => l.includes('log-bad-1'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain('\n')
    expect(lines[0]).not.toContain('\r')
    const record = JSON.parse(lines[0] ?? '{}') as {
      rejected: { field: string; value: string }[]
      code: string
      level: string
    }
    expect(record.code).toBe('invalid_request')
    expect(record.level).toBe('warn')
    const rejected = record.rejected.find((r) => r.field === 'stream_name')
    // 64 characters at most, each control character escaped as \\uXXXX.
    expect(rejected?.value.length).toBeLessThanOrEqual(64 * 6 + 1)
    expect(rejected?.value.endsWith('…')).toBe(true)
    expect(rejected?.value).toContain('\\u000d\\u000a')
  })

  it('logs upstream failures with the attempt count and an error level', async () => {
    const gw = await startGateway()
    await gw.emulator.addFault({ route: 'delete_checkpoint', status: 500 })
    await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '1' },
      API_KEYS.billing,
      { 'X-Request-Id': 'log-fail-1' }
    )
    expect(linesFor('log-fail-1')[0]).toMatchObject({
      level: 'error',
      status: 502,
      code: 'upstream_error',
      upstream_attempts: 4, // the snapshot, then 3 DELETE attempts
      reset_id: expect.stringMatching(/^rst_/),
    })
  })
})
