import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway } from '../support/gateway'
import { countingNamespace } from '../support/object-calls'

/**
 * A client with an empty `allow` never reaches the ledger (README "Shared state": cheap
 * rejections cost no state): `GET /v1/resets/{id}` and `POST /v1/resets/{id}/undo` answer
 * 404 `reset_not_found` without a Durable Object call, even for an id that exists. Calls are
 * counted where they leave the Worker, on the ledger namespace's stubs.
 */

const countingLedger = () => countingNamespace(env.LEDGER as unknown as DurableObjectNamespace)

describe('a client allowed nothing never reaches the ledger', () => {
  it('GET /v1/resets/{id} and its undo → 404 reset_not_found with 0 Durable Object calls', async () => {
    const ledger = countingLedger()
    const gw = await startGateway({ bindings: { LEDGER: ledger.namespace } })
    const reset = await gw.reset(
      { stream_name: 'orders', app_name: 'billing', partition_id: '1' },
      API_KEYS.ops
    )
    expect(reset.status, await reset.clone().text()).toBe(200)
    const { reset_id } = (await reset.json()) as { reset_id: string }
    ledger.calls.length = 0

    const headers = { Authorization: `Bearer ${API_KEYS.nobody}` }
    const get = await gw.request(`/v1/resets/${reset_id}`, { headers })
    expect(get.status).toBe(404)
    expect((await problemOf(get)).code).toBe('reset_not_found')
    const undo = await gw.request(`/v1/resets/${reset_id}/undo`, { method: 'POST', headers })
    expect(undo.status).toBe(404)
    expect((await problemOf(undo)).code).toBe('reset_not_found')
    expect(ledger.calls).toEqual([])
    expect((await gw.emulator.calls()).counts.commit_checkpoint).toBe(0)

    // The same id is visible to a client allowed it: the 404 above hid an existing entry.
    const seen = await gw.request(`/v1/resets/${reset_id}`, {
      headers: { Authorization: `Bearer ${API_KEYS.ops}` },
    })
    expect(seen.status).toBe(200)
    expect(ledger.calls).toEqual(['get'])
  })
})
