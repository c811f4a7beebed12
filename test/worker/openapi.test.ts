import { Validator } from '@cfworker/json-schema'
import { beforeAll, describe, expect, it } from 'vitest'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import committed from '../../src/openapi/openapi.generated.json'
import { API_KEYS, sha256Hex } from '../support/fixtures'
import { startGateway, type TestGateway } from '../support/gateway'
import { registerSecret } from '../support/log-capture'

const SECRET = 'whsec_b3BlbmFwaS10YWJsZS1zZWNyZXQtMzItYnl0ZXMhIQ=='
registerSecret(SECRET)

type Json = Record<string, unknown>
let gw: TestGateway
let document: Json

beforeAll(async () => {
  gw = await startGateway({
    clients: [
      { id: 'ops', api_key_sha256: [await sha256Hex(API_KEYS.ops)], allow: ['*/*'] },
      { id: 'hook', webhook_secrets: [SECRET], allow: ['*/*'] },
    ],
  })
  document = (await (await gw.request('/openapi.json')).json()) as Json
})

const BASE = 'https://gateway.test/openapi.json'
const pointer = (...parts: string[]) =>
  parts.map((p) => `/${p.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')

/** Validates `value` against the schema at a JSON pointer of the served document. */
function validAt(path: string, value: unknown): boolean {
  const validator = new Validator({ $ref: `${BASE}#${path}` }, '2020-12')
  validator.addSchema({ ...document, $id: BASE })
  return validator.validate(value).valid
}

describe('GET /openapi.json', () => {
  it('serves the generated document without credentials and without calling upstream', async () => {
    await gw.emulator.resetCalls()
    const response = await gw.request('/openapi.json', { headers: { 'X-Request-Id': 'doc-1' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-request-id')).toBe('doc-1')
    const body = (await response.json()) as Json
    expect(body).toEqual(committed)
    expect(body.openapi).toMatch(/^3\.1\./)
    expect((await gw.emulator.calls()).requests).toHaveLength(0)
  })

  it('answers HEAD and refuses other methods with 405', async () => {
    expect((await gw.request('/openapi.json', { method: 'HEAD' })).status).toBe(200)
    const post = await gw.request('/openapi.json', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })
})

/** The query as the route sees it: one value per name, an array when repeated. */
function queryObject(raw: string): Json {
  const object: Json = {}
  for (const [name, value] of new URLSearchParams(raw)) {
    const previous = object[name]
    object[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
  }
  return object
}

/** Valid against the operation's parameters: each one's schema, required ones, no others. */
function queryValid(raw: string): boolean {
  const parameters = (
    ((document.paths as Json)['/v1/checkpoints'] as Json).delete as { parameters: Json[] }
  ).parameters.filter((p) => p.in === 'query')
  const query = queryObject(raw)
  const known = new Set(parameters.map((p) => p.name))
  const byParameters =
    Object.keys(query).every((name) => known.has(name)) &&
    parameters.every((p) => {
      const value = query[p.name as string]
      if (value === undefined) return p.required !== true
      return new Validator(p.schema as Json, '2020-12').validate(value).valid
    })
  // The same set as one strict object schema must agree.
  expect(validAt(pointer('components', 'schemas', 'CheckpointQuery'), query)).toBe(byParameters)
  return byParameters
}

const bodyValid = (body: unknown) =>
  validAt(
    pointer(
      'paths',
      '/v1/hooks/{client_id}',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema'
    ),
    body
  )

/** The answer matches the document's response schema for its status. */
async function expectDocumentedAnswer(path: string, method: string, response: Response) {
  const responses = (((document.paths as Json)[path] as Json)[method] as Json).responses as Json
  const documented = responses[String(response.status)] as { content: Json } | undefined
  expect(documented, `${method} ${path} documents ${response.status}`).toBeDefined()
  const [media] = Object.keys(documented?.content ?? {})
  expect(response.headers.get('content-type')).toBe(media)
  const schema = pointer('paths', path, method, 'responses', String(response.status))
  expect(
    validAt(`${schema}${pointer('content', media ?? '', 'schema')}`, await response.json())
  ).toBe(true)
}

const ok = 'stream_name=orders&app_name=billing'
const long = (n: number) => 'a'.repeat(n)

// [case, raw query, accepted by the route]
const QUERY_CASES: [string, string, boolean][] = [
  ['digits', `${ok}&partition_id=2`, true],
  ['leading zeros', `${ok}&partition_id=002`, true],
  ['shardId form', `${ok}&partition_id=shardId-0000000001`, true],
  ['all, dry run', `stream_name=events&app_name=billing&partition_id=all&dry_run=true`, true],
  ['checkpoint_type LAST_READ', `${ok}&partition_id=1&checkpoint_type=LAST_READ`, true],
  ['unknown stream (upstream 404)', 'stream_name=nope&app_name=billing&partition_id=1', true],
  ['64-character stream name', `stream_name=${long(64)}&app_name=billing&partition_id=1`, true],
  ['plus (a space)', `${ok}&partition_id=+7`, false],
  ['minus', `${ok}&partition_id=-7`, false],
  ['exponent', `${ok}&partition_id=1e3`, false],
  ['hex', `${ok}&partition_id=0x1`, false],
  ['lower-case prefix', `${ok}&partition_id=shardid-7`, false],
  ['11 digits', `${ok}&partition_id=12345678901`, false],
  ['fullwidth digit', `${ok}&partition_id=%EF%BC%97`, false],
  ['ALL in capitals', `${ok}&partition_id=ALL`, false],
  ['trailing newline', `${ok}&partition_id=7%0A`, false],
  ['empty', `${ok}&partition_id=`, false],
  ['missing partition_id', ok, false],
  ['unknown parameter', `${ok}&partiton_id=7`, false],
  ['repeated parameter', `${ok}&partition_id=1&partition_id=2`, false],
  ['65-character stream name', `stream_name=${long(65)}&app_name=billing&partition_id=1`, false],
  ['51-character app name', `stream_name=orders&app_name=${long(51)}&partition_id=1`, false],
  ['stream name with &', 'stream_name=a%26b&app_name=billing&partition_id=1', false],
  ['other checkpoint type', `${ok}&partition_id=1&checkpoint_type=FIRST_READ`, false],
  ['dry_run=yes', `${ok}&partition_id=1&dry_run=yes`, false],
]

const flat = { stream_name: 'orders', app_name: 'billing', partition_id: 1 }
const envelope = (data: unknown) => ({ type: 'checkpoint.reset', timestamp: '2026-11-28', data })

// [case, JSON body, accepted by the route]
const BODY_CASES: [string, unknown, boolean][] = [
  ['flat, integer partition', flat, true],
  ['flat, string partition', { ...flat, partition_id: 'shardId-2' }, true],
  ['flat, all, dry run', { ...flat, partition_id: 'all', dry_run: true }, true],
  ['flat, checkpoint_type', { ...flat, checkpoint_type: 'LAST_READ', dry_run: false }, true],
  ['envelope', envelope(flat), true],
  ['envelope, unknown app (upstream 404)', envelope({ ...flat, app_name: 'nope' }), true],
  ['flat, negative partition', { ...flat, partition_id: -1 }, false],
  ['flat, fractional partition', { ...flat, partition_id: 1.5 }, false],
  ['flat, 11-digit partition', { ...flat, partition_id: 10_000_000_000 }, false],
  ['flat, partition 2^31 - 1 (upstream 404)', { ...flat, partition_id: 2_147_483_647 }, true],
  ['flat, partition 2^31', { ...flat, partition_id: 2_147_483_648 }, false],
  ['flat, dry_run as a string', { ...flat, dry_run: 'true' }, false],
  ['flat, unknown field', { ...flat, partiton_id: 1 }, false],
  ['flat, missing app_name', { stream_name: 'orders', partition_id: 1 }, false],
  ['flat, 51-character app name', { ...flat, app_name: long(51) }, false],
  ['envelope, bad partition', envelope({ ...flat, partition_id: '0x1' }), false],
  ['envelope without type', { timestamp: 't', data: flat }, false],
  ['envelope with an extra field', { ...envelope(flat), id: 'x' }, false],
  ['an array', [flat], false],
]

describe('accepted by the route ⇔ valid against the document', () => {
  it.each(QUERY_CASES)('DELETE /v1/checkpoints, %s', async (_case, raw, accepted) => {
    const response = await gw.reset(raw, API_KEYS.ops)
    if (accepted) expect([200, 404]).toContain(response.status)
    else expect(response.status).toBe(400)
    expect(queryValid(raw)).toBe(accepted)
    await expectDocumentedAnswer('/v1/checkpoints', 'delete', response)
  })

  let delivery = 0
  it.each(BODY_CASES)('POST /v1/hooks/{client_id}, %s', async (_case, json, accepted) => {
    const body = JSON.stringify(json)
    const headers = await standardWebhookHeaders({
      secret: SECRET,
      id: `msg_openapi_${Date.now()}_${++delivery}`,
      timestamp: Math.floor(Date.now() / 1000),
      body,
    })
    const response = await gw.request('/v1/hooks/hook', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    })
    if (accepted) expect([200, 404]).toContain(response.status)
    else expect(response.status).toBe(400)
    expect(bodyValid(json)).toBe(accepted)
    await expectDocumentedAnswer('/v1/hooks/{client_id}', 'post', response)
  })
})
