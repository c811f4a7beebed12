/**
 * `GET /healthz` tells a load balancer whether to route here (README "Configuration"): 200 when
 * the configuration parses, 503 `{"status":"misconfigured","config":"invalid"}` when it does not —
 * without the reason, without calling upstream.
 */
import { describe, expect, it } from 'vitest'
import { startGateway } from '../support/gateway'

describe('GET /healthz', () => {
  it('answers 200 ok/valid for a valid configuration', async () => {
    const gw = await startGateway()
    const response = await gw.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', config: 'valid' })
  })

  it.each([
    ['no project id (as in the wrangler.jsonc that ships)', { DIS_PROJECT_ID: '' }],
    ['RESET_LEDGER=maybe', { RESET_LEDGER: 'maybe' }],
    ['GATEWAY_CLIENTS that is not JSON', { GATEWAY_CLIENTS: '[{"id":' }],
  ])(
    'answers 503 misconfigured/invalid for %s, says no more and calls nothing',
    async (_, bindings) => {
      const gw = await startGateway({ bindings })
      for (const method of ['GET', 'HEAD']) {
        const response = await gw.request('/healthz', { method })
        expect(response.status).toBe(503)
        expect(response.headers.get('cache-control')).toBe('no-store')
        if (method === 'GET') {
          expect(await response.json()).toEqual({ status: 'misconfigured', config: 'invalid' })
        }
      }
      expect((await gw.emulator.calls()).requests).toHaveLength(0)
    }
  )
})
