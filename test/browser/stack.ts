/**
 * The stack the browser tests drive: `npm run dev` itself (scripts/dev.ts: the emulator + the
 * gateway under `wrangler dev`, wired and checked as a developer gets them) on free ports, with
 * the console's static assets (wrangler.jsonc `assets`), and Debian's chromium through
 * playwright-core.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { type EmulatorClient, emulatorClient } from '../../emulator/client.ts'
import { freePort, runDev } from '../support/dev-process.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
export const ARTIFACTS = join(ROOT, 'test', 'browser', 'artifacts')
export const DEMO_KEY = 'demo-key-for-local-development-only'
export const VERIFY_SECONDS = 3

export interface Stack {
  gateway: string
  emulator: EmulatorClient
  output: () => string
  stop: () => Promise<void>
}

/**
 * Starts `npm run dev` with these clients (GATEWAY_CLIENTS, as in .dev.vars) and waits for its
 * banner. The console must have been built (`npm run console:build`).
 */
export async function startStack(clients: unknown[]): Promise<Stack> {
  if (!existsSync(join(ROOT, 'public', 'console', 'console.js'))) {
    throw new Error(
      'the console is not built: run npm run console:build (npm run test:browser does)'
    )
  }
  const scratch = mkdtempSync(join(tmpdir(), 'console-browser-'))
  const devVars = join(scratch, 'dev.vars')
  // Verification re-reads 3 s after a move (README "Configuration": RESET_VERIFY_SECONDS), so
  // the tests see held/overwritten without waiting the default 10 s.
  writeFileSync(
    devVars,
    `GATEWAY_CLIENTS='${JSON.stringify(clients)}'\nRESET_VERIFY_SECONDS=${VERIFY_SECONDS}\n`,
    { mode: 0o600 }
  )
  const ports = { gateway: await freePort(), emulator: await freePort() }
  const run = runDev(['--dev-vars', devVars, '--persist-to', join(scratch, 'state')], ports)
  const stop = async () => {
    await run.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
  try {
    await run.waitFor('Ctrl-C stops both.', 60_000)
  } catch (error) {
    await stop()
    throw new Error(`npm run dev did not start: ${(error as Error).message}`)
  }
  return {
    gateway: `http://127.0.0.1:${ports.gateway}`,
    emulator: emulatorClient(`http://127.0.0.1:${ports.emulator}`),
    output: run.output,
    stop,
  }
}

/** Debian's chromium (scripts/install-browser.sh); CHROMIUM_PATH overrides. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(executablePath)) {
    throw new Error(`no browser at ${executablePath}: run scripts/install-browser.sh`)
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] })
}
