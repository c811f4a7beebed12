// IAM token API: docs/upstream.md § IAM token, test vectors T1–T4.
import { describe, expect, it } from 'vitest'
import { DEMO, fetchToken, requestToken, tokenRequestBody } from '../../../emulator/demo.ts'
import { ctl, emu, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator({ withToken: false })

const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
const domain = { id: DEMO.domainId, name: DEMO.domainName }

function expectedToken(issued_at: string, expires_at: string) {
  return {
    token: {
      catalog: [],
      expires_at,
      issued_at,
      methods: ['password'],
      project: { domain, id: DEMO.projectId, name: DEMO.projectName },
      roles: [{ id: '0', name: 'op_fine_grained' }],
      user: { domain, id: DEMO.userId, name: DEMO.userName, password_expires_at: '' },
    },
  }
}

describe('POST /v3/auth/tokens', () => {
  it('T1: project scope by id, nocatalog → 201, X-Subject-Token, exact body', async () => {
    const res = await requestToken(emu.url)
    expect(res.status).toBe(201)
    expect(res.headers.get('content-type')).toBe('application/json')
    const token = res.headers.get('x-subject-token') ?? ''
    expect(token).toMatch(/^MII[A-Za-z0-9+/]+={0,2}$/)
    expect(token.length).toBeGreaterThanOrEqual(3000)
    expect(token.length).toBeLessThanOrEqual(4096)
    const body = await res.json<Json>()
    const { issued_at, expires_at } = body.token
    expect(issued_at).toMatch(ISO_MICROS)
    expect(expires_at).toMatch(ISO_MICROS)
    expect(Date.parse(expires_at) - Date.parse(issued_at)).toBe(24 * 3600 * 1000)
    expect(Math.abs(Date.parse(issued_at) - Date.now())).toBeLessThan(5000)
    expect(JSON.stringify(body)).toBe(JSON.stringify(expectedToken(issued_at, expires_at)))
    expect(await ctl.tokens()).toEqual([token])
  })

  it('T2: scope by project name → identical response', async () => {
    const res = await requestToken(
      emu.url,
      tokenRequestBody({ scope: { project: { name: 'cn-north-4' } } })
    )
    expect(res.status).toBe(201)
    const body = await res.json<Json>()
    expect(body).toEqual(expectedToken(body.token.issued_at, body.token.expires_at))
  })

  it('T3: wrong password, unknown user, wrong account → 401 nested', async () => {
    for (const body of [
      tokenRequestBody({ password: 'nope' }),
      tokenRequestBody({ user: 'someone' }),
      tokenRequestBody({ domain: 'other-account' }),
    ]) {
      const res = await requestToken(emu.url, body)
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(res.headers.get('x-subject-token')).toBeNull()
      expect(await res.text()).toBe(
        '{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}'
      )
    }
    expect(await ctl.tokens()).toEqual([])
  })

  it('T4: malformed or incomplete body, non-JSON content type → 400 nested', async () => {
    const t4 =
      '{"error":{"code":400,"message":"The request body is invalid","title":"Bad Request"}}'
    const post = (body: string, type = 'application/json') =>
      fetch(`${emu.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': type },
        body,
      })
    const bodies = [
      '{not json',
      '',
      '[]',
      '{"auth":{}}',
      JSON.stringify({ auth: { identity: { methods: ['token'], password: {} } } }),
      JSON.stringify({
        auth: { identity: { methods: ['password'], password: { user: { name: 'gw-user' } } } },
      }),
    ]
    for (const body of bodies) {
      const res = await post(body)
      expect(res.status, body).toBe(400)
      expect(await res.text()).toBe(t4)
    }
    const wrongType = await post(JSON.stringify(tokenRequestBody()), 'text/plain')
    expect(wrongType.status).toBe(400)
    expect(await wrongType.text()).toBe(t4)
  })

  it('accepts any charset parameter and case on Content-Type', async () => {
    for (const type of [
      'application/json',
      'application/json;charset=UTF-8',
      'Application/JSON; charset=utf8',
    ]) {
      const res = await fetch(`${emu.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': type },
        body: JSON.stringify(tokenRequestBody()),
      })
      expect(res.status, type).toBe(201)
    }
  })

  it('unknown project → 400 nested', async () => {
    const res = await requestToken(
      emu.url,
      tokenRequestBody({ scope: { project: { id: 'f'.repeat(32) } } })
    )
    expect(res.status).toBe(400)
    expect(await res.json<Json>()).toEqual({
      error: { code: 400, message: 'Project not found.', title: 'Bad Request' },
    })
  })

  it('without nocatalog (or with an empty value) the catalog lists dis and iam on this origin', async () => {
    for (const q of ['', '?nocatalog=']) {
      const res = await fetch(`${emu.url}/v3/auth/tokens${q}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(tokenRequestBody()),
      })
      const { token } = await res.json<Json>()
      expect(token.catalog.map((c: { type: string }) => c.type)).toEqual(['dis', 'identity'])
      expect(token.catalog[0].endpoints[0]).toMatchObject({
        interface: 'public',
        region: 'cn-north-4',
        url: `${emu.url}/v2/${DEMO.projectId}`,
      })
    }
  })

  it('domain scope and no scope give a domain token', async () => {
    for (const scope of [{ domain: { name: DEMO.domainName } }, null]) {
      const res = await requestToken(emu.url, tokenRequestBody({ scope }))
      expect(res.status).toBe(201)
      const { token } = await res.json<Json>()
      expect(token.project).toBeUndefined()
      expect(token.domain).toEqual(domain)
    }
  })

  it('every token is unique and older tokens stay valid', async () => {
    const a = await fetchToken(emu.url)
    const b = await fetchToken(emu.url)
    expect(a).not.toBe(b)
    expect(await ctl.tokens()).toEqual([a, b])
    for (const token of [a, b]) {
      const res = await fetch(`${emu.url}/v2/${DEMO.projectId}/streams/orders`, {
        headers: { 'X-Auth-Token': token },
      })
      expect(res.status).toBe(200)
    }
  })

  it('token_ttl_seconds sets expires_at', async () => {
    await ctl.settings({ token_ttl_seconds: 60 })
    const { token } = await (await requestToken(emu.url)).json<Json>()
    expect(Date.parse(token.expires_at) - Date.parse(token.issued_at)).toBe(60_000)
  })

  it('other methods on the token path are unknown APIs', async () => {
    const res = await fetch(`${emu.url}/v3/auth/tokens`)
    expect(res.status).toBe(404)
    expect((await res.json<Json>()).error_code).toBe('APIGW.0101')
  })
})
