import type { TestProject } from 'vitest/node'
import { startEmulator } from '../../emulator/server.ts'

/**
 * Starts one emulator on 127.0.0.1 for the whole run. Test files spawn their own independent
 * instances from it (`POST /__emulator/spawn`), so files running in parallel never share
 * counters or faults.
 */
export default async function setup(project: TestProject) {
  const emulator = await startEmulator({ port: 0 })
  project.provide('emulatorUrl', emulator.url)
  return async () => {
    await emulator.close()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorUrl: string
  }
}
