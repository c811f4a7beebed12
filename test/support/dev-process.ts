import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface DevRun {
  child: ChildProcess
  /** Everything `npm run dev` printed so far (stdout and stderr). */
  output: () => string
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  /** Waits until the output contains `text`; throws if dev exits first or `ms` pass. */
  waitFor: (text: string, ms: number) => Promise<void>
  /** SIGTERM (dev stops wrangler and the emulator itself), then waits for the exit. */
  stop: () => Promise<void>
}

/**
 * Runs `scripts/dev.ts` (what `npm run dev` runs) with these arguments on these ports, from the
 * repository root, on the Node that runs the tests. Used by the dev-config test and the browser
 * tests' stack.
 */
export function runDev(args: string[], ports: { gateway: number; emulator: number }): DevRun {
  let output = ''
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'dev.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(ports.gateway), EMULATOR_PORT: String(ports.emulator) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    output: () => output,
    exited,
    async waitFor(text, ms) {
      const deadline = Date.now() + ms
      while (!output.includes(text)) {
        if (child.exitCode !== null) throw new Error(`dev exited early:\n${output}`)
        if (Date.now() > deadline) throw new Error(`no "${text}" within ${ms} ms:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await exited
      }
    },
  }
}
