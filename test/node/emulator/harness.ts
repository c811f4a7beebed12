// One emulator per test file, reset before each test, with a fresh token. The exports are live
// bindings: test files read `emu`, `ctl` and `token` after the hooks have run.
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { type EmulatorClient, emulatorClient } from '../../../emulator/client.ts'
import { checkpointsUrl, fetchToken } from '../../../emulator/demo.ts'
import { type RunningEmulator, startEmulator } from '../../../emulator/server.ts'

export let emu: RunningEmulator
export let ctl: EmulatorClient
export let token: string

/** Registers the hooks; `withToken: false` skips fetching a token before each test. */
export function useEmulator(options: { withToken?: boolean } = {}): void {
  beforeAll(async () => {
    emu = await startEmulator()
    ctl = emulatorClient(emu.url)
  })
  afterAll(() => emu.close())
  beforeEach(async () => {
    await ctl.reset()
    if (options.withToken !== false) token = await fetchToken(emu.url)
  })
}

export const CHECKPOINT_BASE = {
  stream_name: 'orders',
  app_name: 'billing',
  checkpoint_type: 'LAST_READ',
}
export const ORDERS_ZERO = { ...CHECKPOINT_BASE, partition_id: '0' }

/** DeleteCheckpoint of `partition_id` on `stream` with the current token (fault tests). */
export function deletePartition(partition_id = '0', extra: RequestInit = {}, stream = 'orders') {
  return fetch(checkpointsUrl(emu.url, { ...CHECKPOINT_BASE, stream_name: stream, partition_id }), {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token },
    ...extra,
  })
}

/** DeleteCheckpoint of orders/billing partition 0, with one extra header the log must record. */
export function deleteOrdersZero(url = emu.url, tok = token) {
  return fetch(checkpointsUrl(url, ORDERS_ZERO), {
    method: 'DELETE',
    headers: { 'X-Auth-Token': tok, 'X-Custom': 'a' },
  })
}
