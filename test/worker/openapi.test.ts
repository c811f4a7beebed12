import { Validator } from '@cfworker/json-schema'
import { beforeAll, describe, expect, it } from 'vitest'
import committed from '../../public/openapi.json'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { API_KEYS, sha256Hex } from '../support/fixtures'
import { problemOf, startGateway, startPureProxy, type TestGateway } from '../support/gateway'
import { registerSecret } from '../support/log-capture'

const SECRET = 'whsec_b3BlbmFwaS10YWJsZS1zZWNyZXQtMzItYnl0ZXMhIQ=='
registerSecret(SECRET)

type Json = Record<string, unknown>
let gw: TestGateway
/**
 * The document as served: a static asset (public/openapi.json, wrangler.jsonc `assets`), which
 * the app under test never sees; test/node/integration/openapi-asset.test.ts fetches it through
 * the real stack.
 */
const document = committed as Json

beforeAll(async () => {
  gw = await startGateway({
    clients: [
      { id: 'ops', api_key_sha256: [await sha256Hex(API_KEYS.ops)], allow: ['*/*'] },
      { id: 'hook', webhook_secrets: [SECRET], allow: ['*/*'] },
    ],
  })
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

/**
 * Valid against the operation's parameters: each one's schema, required ones, no others — and,
 * the same, against the strict query schema of components.schemas the operation names.
 */
function queryValid(
  raw: string,
  path = '/v1/checkpoints',
  method = 'delete',
  id = 'CheckpointQuery'
) {
  const parameters = (
    ((document.paths as Json)[path] as Json)[method] as { parameters: Json[] }
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
  expect(validAt(pointer('components', 'schemas', id), query)).toBe(byParameters)
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

/**
 * The operation's response for a status, and its JSON pointer: problem responses are shared
 * (`$ref` to components.responses), so the pointer follows the reference.
 */
function documentedResponse(path: string, method: string, status: number) {
  const responses = (((document.paths as Json)[path] as Json)[method] as Json).responses as Json
  const response = responses[String(status)] as Json | undefined
  const ref = response?.$ref
  if (typeof ref !== 'string') {
    return { response, at: pointer('paths', path, method, 'responses', String(status)) }
  }
  const name = ref.replace('#/components/responses/', '')
  return {
    response: (document.components as { responses: Record<string, Json> }).responses[name],
    at: pointer('components', 'responses', name),
  }
}

/** Headers a problem may carry that the document must then list for that response. */
const OPTIONAL_HEADERS = ['Retry-After', 'WWW-Authenticate', 'Allow']

/** The answer matches the document's response for its status: media type, schema, headers. */
async function expectDocumentedAnswer(path: string, method: string, response: Response) {
  const { response: documented, at } = documentedResponse(path, method, response.status)
  expect(documented, `${method} ${path} documents ${response.status}`).toBeDefined()
  const content = (documented?.content ?? {}) as Json
  const [media] = Object.keys(content)
  expect(response.headers.get('content-type')).toBe(media)
  const headers = Object.keys((documented?.headers ?? {}) as Json)
  for (const name of OPTIONAL_HEADERS)
    if (response.headers.has(name)) expect(headers, `${response.status} ${name}`).toContain(name)
  const body = await response.json()
  expect(
    validAt(`${at}${pointer('content', media ?? '', 'schema')}`, body),
    JSON.stringify(body)
  ).toBe(true)
  return body as Json
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

const bearer = (key: string = API_KEYS.ops) => ({ headers: { Authorization: `Bearer ${key}` } })
const big = (partition: string) => `stream_name=big&app_name=billing&partition_id=${partition}`

/** A reset of one partition of the seeded `big` stream (checkpoint 10); its reset_id. */
async function resetOf(partition: string): Promise<string> {
  const response = await gw.reset(big(partition), API_KEYS.ops)
  const receipt = await expectDocumentedAnswer('/v1/checkpoints', 'delete', response)
  expect(response.status).toBe(200)
  expect(receipt.previous).toEqual([
    { partition_id: `shardId-${partition.padStart(10, '0')}`, sequence_number: '10' },
  ])
  return receipt.reset_id as string
}

const undo = (id: string, query = '') =>
  gw.request(`/v1/resets/${id}/undo${query}`, { method: 'POST', ...bearer() })

// [case, raw query, accepted by the route]
const READ_CASES: [string, string, boolean][] = [
  ['one partition', big('1'), true],
  ['all', 'stream_name=orders&app_name=billing&partition_id=all', true],
  ['unknown app (upstream 404)', 'stream_name=big&app_name=nope&partition_id=1', true],
  ['dry_run (a DELETE parameter only)', `${big('1')}&dry_run=true`, false],
  ['missing partition_id', 'stream_name=big&app_name=billing', false],
]

// [case, raw query, accepted by the route]
const LIST_CASES: [string, string, boolean][] = [
  ['no parameters', '', true],
  ['filters and limit', 'stream_name=big&app_name=billing&limit=100', true],
  ['limit 0', 'limit=0', false],
  ['limit 101', 'limit=101', false],
  ['repeated limit', 'limit=1&limit=2', false],
  ['unknown parameter', 'partition_id=1', false],
]

describe('the version 2 routes answer as documented', () => {
  it.each(READ_CASES)('GET /v1/checkpoints, %s', async (_case, raw, accepted) => {
    const response = await gw.request(`/v1/checkpoints?${raw}`, bearer())
    if (accepted) expect([200, 404]).toContain(response.status)
    else expect(response.status).toBe(400)
    expect(queryValid(raw, '/v1/checkpoints', 'get', 'ReadQuery')).toBe(accepted)
    await expectDocumentedAnswer('/v1/checkpoints', 'get', response)
  })

  it('HEAD /v1/checkpoints: the GET answer without its body', async () => {
    const response = await gw.request(`/v1/checkpoints?${big('1')}`, {
      method: 'HEAD',
      ...bearer(),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.text()).toBe('')
  })

  it.each(LIST_CASES)('GET /v1/resets, %s', async (_case, raw, accepted) => {
    const response = await gw.request(`/v1/resets?${raw}`, bearer())
    expect(response.status).toBe(accepted ? 200 : 400)
    expect(queryValid(raw, '/v1/resets', 'get', 'ResetListQuery')).toBe(accepted)
    await expectDocumentedAnswer('/v1/resets', 'get', response)
  })

  it('DELETE with the ledger → receipt with reset_id and previous; the entry listed, shown, undone, then already_undone', async () => {
    const id = await resetOf('2')

    const list = await gw.request('/v1/resets?stream_name=big&limit=1', bearer())
    const page = await expectDocumentedAnswer('/v1/resets', 'get', list)
    expect((page.resets as Json[])[0]?.reset_id).toBe(id)

    const shown = await gw.request(`/v1/resets/${id}`, bearer())
    expect(shown.status).toBe(200)
    const entry = await expectDocumentedAnswer('/v1/resets/{reset_id}', 'get', shown)
    expect(entry).toMatchObject({ reset_id: id, status: 'completed', undo: null })

    const undone = await undo(id)
    expect(undone.status).toBe(200)
    const record = await expectDocumentedAnswer('/v1/resets/{reset_id}/undo', 'post', undone)
    expect(record).toMatchObject({ reset_id: id, status: 'completed' })

    const again = await undo(id)
    expect(again.status).toBe(409)
    const problem = await expectDocumentedAnswer('/v1/resets/{reset_id}/undo', 'post', again)
    expect(problem).toMatchObject({ code: 'already_undone', undo: { status: 'completed' } })

    // The entry, now with its undo, still fits the document.
    const after = await gw.request(`/v1/resets/${id}`, bearer())
    expect(await expectDocumentedAnswer('/v1/resets/{reset_id}', 'get', after)).toMatchObject({
      undo: { status: 'completed' },
    })
  })

  it('GET /v1/resets/{reset_id}: unknown or malformed id → 404 reset_not_found; a query → 400', async () => {
    for (const id of [`rst_${'a'.repeat(26)}`, 'not-an-id']) {
      const response = await gw.request(`/v1/resets/${id}`, bearer())
      expect(response.status).toBe(404)
      const problem = await expectDocumentedAnswer('/v1/resets/{reset_id}', 'get', response)
      expect(problem.code).toBe('reset_not_found')
    }
    const query = await gw.request(`/v1/resets/rst_${'a'.repeat(26)}?force=true`, bearer())
    expect(query.status).toBe(400)
    await expectDocumentedAnswer('/v1/resets/{reset_id}', 'get', query)
    const undoQuery = await undo(`rst_${'a'.repeat(26)}`, '?force=yes')
    expect(undoQuery.status).toBe(400)
    expect(queryValid('force=yes', '/v1/resets/{reset_id}/undo', 'post', 'UndoQuery')).toBe(false)
    expect(queryValid('force=true', '/v1/resets/{reset_id}/undo', 'post', 'UndoQuery')).toBe(true)
    await expectDocumentedAnswer('/v1/resets/{reset_id}/undo', 'post', undoQuery)
  })

  it('undo after a consumer moved on → 409 undo_conflict with conflicts', async () => {
    const id = await resetOf('3')
    await gw.emulator.setCheckpoints([
      { stream_name: 'big', app_name: 'billing', partition_id: '3', sequence_number: '42' },
    ])
    const response = await undo(id)
    expect(response.status).toBe(409)
    const problem = await expectDocumentedAnswer('/v1/resets/{reset_id}/undo', 'post', response)
    expect(problem).toMatchObject({
      code: 'undo_conflict',
      conflicts: [{ partition_id: 'shardId-0000000003', sequence_number: '42' }],
    })
  })

  it('undo of a position that aged out → 410 sequence_expired with the undo', async () => {
    const id = await resetOf('4')
    await gw.emulator.setPartitionRange({
      stream_name: 'big',
      partition_id: '4',
      sequence_number_range: [20, 200],
    })
    const response = await undo(id)
    expect(response.status).toBe(410)
    const problem = await expectDocumentedAnswer('/v1/resets/{reset_id}/undo', 'post', response)
    expect(problem).toMatchObject({ code: 'sequence_expired', undo: { status: 'failed' } })
  })

  it('RESET_LEDGER=off: the ledger routes answer the documented 404 not_found', async () => {
    const proxy = await startPureProxy({
      clients: [{ id: 'ops', api_key_sha256: [await sha256Hex(API_KEYS.ops)], allow: ['*/*'] }],
    })
    for (const [path, method, url] of [
      ['/v1/resets', 'get', '/v1/resets'],
      ['/v1/resets/{reset_id}', 'get', `/v1/resets/rst_${'a'.repeat(26)}`],
      ['/v1/resets/{reset_id}/undo', 'post', `/v1/resets/rst_${'a'.repeat(26)}/undo`],
    ] as const) {
      const response = await proxy.request(url, { method: method.toUpperCase(), ...bearer() })
      expect(response.status).toBe(404)
      const problem = await problemOf(response.clone())
      expect(problem.code).toBe('not_found')
      expect(problem.detail).toMatch(/RESET_LEDGER=off/)
      await expectDocumentedAnswer(path, method, response)
    }
    // The DELETE is then a pure proxy: a receipt without reset_id or previous, still documented.
    const response = await proxy.reset(big('5'), API_KEYS.ops)
    const receipt = await expectDocumentedAnswer('/v1/checkpoints', 'delete', response)
    expect(receipt).not.toHaveProperty('reset_id')
    expect(receipt).not.toHaveProperty('previous')
  })
})
