// One emulator per test file, reset before each test, with a fresh token. The exports are live
// bindings: test files read `emu`, `ctl` and `token` after the hooks have run.
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { type EmulatorClient, emulatorClient } from '../../../emulator/client.ts'
import { fetchToken } from '../../../emulator/demo.ts'
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
