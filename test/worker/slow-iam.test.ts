import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_POLICY } from '../../src/upstream/attempt'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway } from '../support/gateway'
import { registerSecret, report } from '../support/log-capture'

/**
 * A slow IAM must not multiply logins (README "Shared state"): an isolate logs in on its own
 * only when the token broker call errors, never because the broker is still waiting on IAM.
 * Each `startGateway` is one cold isolate (its own module-level token cache) sharing the
 * deployment's Durable Objects; they run with the production timings, so the 2.5 s IAM answer
 * fits their 8 s deadline as it would in production.
 */

/** One partition per instance: concurrent resets of one partition would meet its lease (409). */
const queryFor = (i: number) => ({
  stream_name: 'events',
  app_name: 'billing',
  partition_id: String(i),
})
const WRONG_PASSWORD = 'wrong-password-slow-iam'
registerSecret(WRONG_PASSWORD)

async function coldInstances(count: number, bindings: Record<string, unknown> = {}) {
  const first = await startGateway({ bindings, app: { retry: DEFAULT_RETRY_POLICY } })
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () =>
      startGateway({ bindings, emulator: first.emulator, app: { retry: DEFAULT_RETRY_POLICY } })
    )
  )
  return { instances: [first, ...rest], emulator: first.emulator }
}

describe('a slow IAM', () => {
  it('6 cold instances, wrong password, IAM answering in 2.5 s → exactly 1 IAM attempt', async () => {
    const { instances, emulator } = await coldInstances(6, { IAM_PASSWORD: WRONG_PASSWORD })
    await emulator.addFault({ route: 'iam_token', delay_ms: 2_500 })
    const responses = await Promise.all(
      instances.map((gw, i) => gw.reset(queryFor(i), API_KEYS.billing))
    )
    const { counts } = await emulator.calls()
    report(`slow IAM (2.5 s), wrong password, 6 cold instances: ${counts.iam_token} IAM attempt(s)`)
    for (const response of responses) {
      expect(response.status).toBe(502)
      expect((await problemOf(response)).code).toBe('upstream_auth_failed')
    }
    expect(counts.iam_token).toBe(1)
    expect(counts.delete_checkpoint ?? 0).toBe(0)
  }, 20_000)

  it('6 cold instances, right password, IAM answering in 2.5 s → 1 IAM call, 6 resets', async () => {
    const { instances, emulator } = await coldInstances(6)
    await emulator.addFault({ route: 'iam_token', delay_ms: 2_500 })
    const responses = await Promise.all(
      instances.map((gw, i) => gw.reset(queryFor(i), API_KEYS.billing))
    )
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200))
    expect((await emulator.calls()).counts).toMatchObject({ iam_token: 1, delete_checkpoint: 6 })
  }, 20_000)
})
