import { beforeAll, describe, expect, it, vi } from 'vitest'
import { API_KEYS, sha256Hex } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'

const QUERY = { stream_name: 'orders', app_name: 'billing', partition_id: '1' }

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})

async function upstreamCalls(): Promise<number> {
  const { counts } = await gw.emulator.calls()
  return counts.iam_token + counts.delete_checkpoint + counts.describe_stream
}

describe('bearer authentication', () => {
  it('answers a missing and a wrong key with the identical 401', async () => {
    await gw.emulator.resetCalls()
    const missing = await gw.reset(QUERY)
    const wrong = await gw.reset(QUERY, 'gw_not_a_key_of_anyone_12345')
    const otherScheme = await gw.reset(QUERY, undefined, { Authorization: `Basic ${btoa('a:b')}` })
    for (const response of [missing, wrong, otherScheme]) {
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="dis-checkpoint-gateway"')
    }
    const bodies = await Promise.all([missing, wrong, otherScheme].map(problemOf))
    const withoutIds = bodies.map(({ request_id, ...rest }) => rest)
    expect(withoutIds[0]).toEqual({
      type: 'https://dis-checkpoint-gateway.dev/problems/unauthenticated',
      title: 'Unauthenticated',
      status: 401,
      detail: 'A valid API key is required',
      code: 'unauthenticated',
    })
    expect(withoutIds[1]).toEqual(withoutIds[0])
    expect(withoutIds[2]).toEqual(withoutIds[0])
    expect(await upstreamCalls()).toBe(0)
  })

  it.each([
    ['Bearer', 'no token'],
    ['Bearer ', 'empty token'],
    ['Bearer a b', 'two tokens'],
    ['Bearer k\u00e9y', 'non-ASCII token'],
    [`Bearer ${'k'.repeat(600)}`, 'oversized token'],
  ])('answers a malformed bearer header (%s: %s) with a 400, never a 5xx', async (header) => {
    await gw.emulator.resetCalls()
    const response = await gw.reset(QUERY, undefined, { Authorization: header })
    expect(response.status).toBe(400)
    expect((await problemOf(response)).code).toBe('invalid_request')
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"')
    expect(await upstreamCalls()).toBe(0)
  })

  it('accepts the scheme name in any case (RFC 7235 §2.1)', async () => {
    const response = await gw.reset(QUERY, undefined, {
      Authorization: `bearer ${API_KEYS.billing}`,
    })
    expect(response.status).toBe(200)
  })

  it('accepts both keys of a client during rotation', async () => {
    expect((await gw.reset({ ...QUERY, app_name: 'audit' }, API_KEYS.ops)).status).toBe(200)
    expect((await gw.reset({ ...QUERY, app_name: 'audit' }, API_KEYS.opsRotated)).status).toBe(200)
  })

  it('hashes an accepted key once per isolate, a wrong key every time, and obeys a new configuration at once', async () => {
    const digest = vi.spyOn(crypto.subtle, 'digest')
    const key = 'gw_digest_cache_key_0123456789abcdef'
    const wrong = 'gw_digest_cache_not_a_key_0123456789'
    const hashesOf = (text: string) =>
      digest.mock.calls.filter(([, data]) => new TextDecoder().decode(data as Uint8Array) === text)
        .length
    try {
      const own = await startGateway({
        clients: [{ id: 'cached', api_key_sha256: [await sha256Hex(key)], allow: ['*/*'] }],
      })
      digest.mockClear()
      for (let i = 0; i < 3; i++) expect((await own.reset(QUERY, key)).status).toBe(200)
      for (let i = 0; i < 2; i++) expect((await own.reset(QUERY, wrong)).status).toBe(401)
      expect(hashesOf(key)).toBe(1)
      expect(hashesOf(wrong)).toBe(2)
      // The same key, remembered, against a configuration that no longer holds its digest.
      const without = await startGateway({
        clients: [{ id: 'other', api_key_sha256: [await sha256Hex(wrong)], allow: ['*/*'] }],
      })
      expect((await without.reset(QUERY, key)).status).toBe(401)
    } finally {
      digest.mockRestore()
    }
  })

  it('never takes a key from the query string', async () => {
    await gw.emulator.resetCalls()
    const response = await gw.reset({ ...QUERY, api_key: API_KEYS.billing })
    expect(response.status).toBe(401)
    expect(await upstreamCalls()).toBe(0)
  })
})

describe('scopes (allow patterns)', () => {
  it.each([
    [API_KEYS.billing, 'orders', 'analytics'],
    [API_KEYS.billing, 'big', 'billing'],
    [API_KEYS.prefix, 'events', 'billing'],
    [API_KEYS.prefix, 'orders', 'audit'],
    [API_KEYS.nobody, 'orders', 'billing'],
  ])('forbids %s on %s/%s with zero upstream calls', async (key, stream, app) => {
    await gw.emulator.resetCalls()
    const response = await gw.reset({ stream_name: stream, app_name: app, partition_id: '0' }, key)
    expect(response.status).toBe(403)
    const problem = await problemOf(response)
    expect(problem.code).toBe('forbidden')
    expect(problem.status).toBe(403)
    expect(await upstreamCalls()).toBe(0)
  })

  it.each([
    [API_KEYS.billing, 'orders', 'billing'],
    [API_KEYS.billing, 'events', 'analytics'],
    [API_KEYS.prefix, 'orders', 'billing'],
    [API_KEYS.ops, 'mixed', 'audit'],
  ])('allows %s on %s/%s', async (key, stream, app) => {
    await gw.emulator.resetCalls()
    const response = await gw.reset({ stream_name: stream, app_name: app, partition_id: '0' }, key)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ stream_name: stream, app_name: app })
    const deletes = (await gw.emulator.calls()).requests.filter(
      (r) => r.route === 'delete_checkpoint'
    )
    expect(deletes.map((r) => [r.query.stream_name?.[0], r.query.app_name?.[0]])).toEqual([
      [stream, app],
    ])
  })
})
