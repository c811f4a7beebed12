// Token checks on DIS routes: test vectors T11 (both token_error_style values) and T12.
import { describe, expect, it } from 'vitest'
import {
  checkpointsUrl,
  DEMO,
  fetchToken,
  streamUrl,
  tokenRequestBody,
} from '../../../emulator/demo.ts'
import { ctl, emu, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator({ withToken: false })

const query = {
  stream_name: 'orders',
  app_name: 'billing',
  checkpoint_type: 'LAST_READ',
  partition_id: '0',
}
const del = (headers: Record<string, string> = {}, projectId?: string) =>
  fetch(checkpointsUrl(emu.url, query, projectId), { method: 'DELETE', headers })
const apigw = (detail: string) => ({
  error_msg: `Incorrect IAM authentication information: ${detail}`,
  error_code: 'APIGW.0301',
  request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
})

describe('X-Auth-Token on DIS routes', () => {
  it('T11: missing token → 401 APIGW.0301 "x-auth-token not found"; request_id = X-Request-Id', async () => {
    const headerSets: Array<Record<string, string>> = [{}, { 'X-Auth-Token': '' }]
    for (const headers of headerSets) {
      const res = await del(headers)
      expect(res.status).toBe(401)
      const body = await res.json<Json>()
      expect(body).toEqual(apigw('x-auth-token not found'))
      expect(body.request_id).toBe(res.headers.get('x-request-id'))
    }
  })

  it('T11: garbage token → "decrypt token fail"', async () => {
    const res = await del({ 'X-Auth-Token': 'MIIgarbage' })
    expect(res.status).toBe(401)
    expect(await res.json<Json>()).toEqual(apigw('decrypt token fail'))
  })

  it('T11: expired token → "token expires, expires_at: <ts>"', async () => {
    await ctl.settings({ token_ttl_seconds: 0 })
    const tokenRes = await fetch(`${emu.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(tokenRequestBody()),
    })
    const token = tokenRes.headers.get('x-subject-token') ?? ''
    const { token: t } = await tokenRes.json<Json>()
    const res = await del({ 'X-Auth-Token': token })
    expect(res.status).toBe(401)
    expect(await res.json<Json>()).toEqual(apigw(`token expires, expires_at: ${t.expires_at}`))
  })

  it('revoked tokens are refused; new tokens work', async () => {
    const old = await fetchToken(emu.url)
    expect((await del({ 'X-Auth-Token': old })).status).toBe(204)
    await ctl.revokeTokens()
    const res = await del({ 'X-Auth-Token': old })
    expect(res.status).toBe(401)
    expect(await res.json<Json>()).toEqual(apigw('decrypt token fail'))
    const fresh = await fetchToken(emu.url)
    expect((await del({ 'X-Auth-Token': fresh })).status).toBe(204)
    expect(await ctl.tokens()).toEqual([old, fresh])
  })

  it('token_error_style: dis441 → HTTP 441 DIS.4113 (empty) / DIS.4114 (invalid, expired, revoked)', async () => {
    await ctl.settings({ token_error_style: 'dis441' })
    const missing = await del()
    expect(missing.status).toBe(441)
    expect(await missing.json<Json>()).toEqual({
      errorCode: 'DIS.4113',
      message: 'Empty Token header.',
    })
    const bad = await del({ 'X-Auth-Token': 'nope' })
    expect(bad.status).toBe(441)
    expect(await bad.json<Json>()).toEqual({
      errorCode: 'DIS.4114',
      message: 'Invalid Token header.',
    })
    const token = await fetchToken(emu.url)
    await ctl.revokeTokens()
    expect((await del({ 'X-Auth-Token': token })).status).toBe(441)
    await ctl.settings({ error_shape: 'doc' })
    const doc = await del()
    expect(await doc.json<Json>()).toEqual({
      error_code: 'DIS.4113',
      error_msg: 'Empty Token header.',
    })
  })

  it('T12: token for another project → 400 DIS.4117 naming the URL project', async () => {
    const other = await fetchToken(
      emu.url,
      tokenRequestBody({ scope: { project: { id: DEMO.otherProjectId } } })
    )
    const res = await del({ 'X-Auth-Token': other })
    expect(res.status).toBe(400)
    expect(await res.json<Json>()).toEqual({
      errorCode: 'DIS.4117',
      message: `Invalid Project Id. [${DEMO.projectId}]`,
    })
    // and the demo token on an unknown project id
    const demo = await fetchToken(emu.url)
    const unknown = await del({ 'X-Auth-Token': demo }, 'f'.repeat(32))
    expect(await unknown.json<Json>()).toEqual({
      errorCode: 'DIS.4117',
      message: `Invalid Project Id. [${'f'.repeat(32)}]`,
    })
    // a domain-scoped token acts in no project
    const domainToken = await fetchToken(
      emu.url,
      tokenRequestBody({ scope: { domain: { name: DEMO.domainName } } })
    )
    expect((await (await del({ 'X-Auth-Token': domainToken })).json<Json>()).errorCode).toBe(
      'DIS.4117'
    )
  })

  it('the token check runs before any validation, on every DIS route', async () => {
    const urls: Array<[string, RequestInit]> = [
      [checkpointsUrl(emu.url, {}), { method: 'DELETE' }],
      [checkpointsUrl(emu.url, {}), { method: 'POST', body: 'garbage' }],
      [checkpointsUrl(emu.url, {}), { method: 'GET' }],
      [streamUrl(emu.url, 'nope', { limit_partitions: '0' }), { method: 'GET' }],
    ]
    for (const [url, init] of urls) {
      const res = await fetch(url, init)
      expect(res.status).toBe(401)
      expect((await res.json<Json>()).error_code).toBe('APIGW.0301')
    }
  })
})
