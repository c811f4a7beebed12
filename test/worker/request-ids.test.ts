import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { startGateway } from '../support/gateway'
import { capturedLogLines } from '../support/log-capture'

/**
 * Request ids nobody can forge (README "Errors"): the id in the header, the body, the log line,
 * the ledger entry and the undo record is always the gateway's own. A caller's safe
 * X-Request-Id is kept as client_request_id (log line and entry) for correlation only.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const auth = { Authorization: `Bearer ${API_KEYS.ops}` }

function logLineOf(requestId: string): Record<string, unknown> {
  const line = capturedLogLines().find((l) => l.includes(`"request_id":"${requestId}"`))
  return JSON.parse(line ?? '{}') as Record<string, unknown>
}

describe('request ids', () => {
  it("a caller cannot stamp another request's id: its id is only client_request_id", async () => {
    const gw = await startGateway()
    // First a real request, then a caller who reuses that request's id as its own.
    const first = await gw.request('/healthz')
    const victim = first.headers.get('x-request-id') ?? ''
    const reset = await gw.reset(
      { stream_name: 'events', app_name: 'billing', partition_id: '8' },
      API_KEYS.ops,
      { 'X-Request-Id': victim }
    )
    expect(reset.status).toBe(200)
    const own = reset.headers.get('x-request-id') ?? ''
    expect(own).toMatch(UUID)
    expect(own).not.toBe(victim)
    const receipt = (await reset.json()) as { request_id: string; reset_id: string }
    expect(receipt.request_id).toBe(own)
    expect(logLineOf(own)).toMatchObject({ request_id: own, client_request_id: victim })

    const entry = await gw.request(`/v1/resets/${receipt.reset_id}`, { headers: auth })
    expect(await entry.json()).toMatchObject({
      request_id: own,
      client_request_id: victim,
      kind: 'delete',
      verification: null,
    })
  })

  it('GET /v1/resets/{id} returns the entry exactly as listed, with the reset’s request_id', async () => {
    const gw = await startGateway()
    const reset = await gw.reset(
      { stream_name: 'events', app_name: 'billing', partition_id: '9' },
      API_KEYS.ops,
      { 'X-Request-Id': 'deploy-7781' }
    )
    const { reset_id, request_id } = (await reset.json()) as {
      reset_id: string
      request_id: string
    }
    const list = await gw.request('/v1/resets?stream_name=events&app_name=billing', {
      headers: auth,
    })
    const listed = ((await list.json()) as { resets: { reset_id: string }[] }).resets.find(
      (e) => e.reset_id === reset_id
    )
    const one = await gw.request(`/v1/resets/${reset_id}`, {
      headers: { ...auth, 'X-Request-Id': 'reader-1' },
    })
    const shown = (await one.json()) as Record<string, unknown>
    expect(shown).toEqual(listed)
    // The reset's id, the audit link to its log line; this request's own is in the header.
    expect(shown.request_id).toBe(request_id)
    expect(shown.client_request_id).toBe('deploy-7781')
    expect(one.headers.get('x-request-id')).not.toBe(request_id)
    expect(one.headers.get('x-request-id')).toMatch(UUID)
  })

  it.each([
    ['spaces', 'bad id with spaces'],
    ['129 characters', 'x'.repeat(129)],
    ['non-ASCII', 'id\u00e9'],
    ['markup', '<script>'],
    ['a forged log field', 'a","level":"info'],
  ])(
    'an unsafe caller id (%s) is dropped: null in the log and the entry, never logged raw',
    async (_, id) => {
      const gw = await startGateway()
      const reset = await gw.reset(
        { stream_name: 'events', app_name: 'audit', partition_id: '10' },
        API_KEYS.ops,
        { 'X-Request-Id': id }
      )
      expect(reset.status).toBe(200)
      const own = reset.headers.get('x-request-id') ?? ''
      expect(own).toMatch(UUID)
      expect(logLineOf(own).client_request_id).toBeNull()
      expect(capturedLogLines().some((l) => l.includes(id))).toBe(false)
      const { reset_id } = (await reset.json()) as { reset_id: string }
      const entry = await gw.request(`/v1/resets/${reset_id}`, { headers: auth })
      expect(((await entry.json()) as { client_request_id: unknown }).client_request_id).toBeNull()
    }
  )

  it("the undo record carries the undoing request's own id", async () => {
    const gw = await startGateway()
    const reset = await gw.reset(
      { stream_name: 'events', app_name: 'analytics', partition_id: '11' },
      API_KEYS.ops
    )
    const { reset_id } = (await reset.json()) as { reset_id: string }
    const undo = await gw.request(`/v1/resets/${reset_id}/undo`, {
      method: 'POST',
      headers: { ...auth, 'X-Request-Id': 'undo-by-ops' },
    })
    expect(undo.status).toBe(200)
    const own = undo.headers.get('x-request-id')
    expect(own).toMatch(UUID)
    expect(await undo.json()).toMatchObject({ request_id: own })
    const entry = await gw.request(`/v1/resets/${reset_id}`, { headers: auth })
    expect(await entry.json()).toMatchObject({ undo: { request_id: own } })
  })
})
