import { afterAll, beforeAll, vi } from 'vitest'
import { ALL_SECRETS } from './fixtures'

/**
 * Captures everything the worker writes to the console in every workers test file, and after the
 * file proves that no API key, password, IAM token or other secret appeared in any line
 * (README "Logs": never a key, password, token or secret). Tokens are whatever the emulator
 * instances used by the file issued.
 */
interface Controllable {
  tokens(): Promise<string[]>
}

const lines: string[] = []
const originalInfo = console.info.bind(console)

/** Prints a measurement to the test output (the console itself is captured). */
export function report(message: string): void {
  originalInfo(message)
}
const emulators = new Set<Controllable>()
const extraSecrets = new Set<string>()

export function capturedLogLines(): readonly string[] {
  return lines
}

export function registerEmulator(emulator: Controllable): void {
  emulators.add(emulator)
}

/** Secrets a test introduces on its own (webhook secrets, ad-hoc keys). */
export function registerSecret(secret: string): void {
  extraSecrets.add(secret)
}

beforeAll(() => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
    })
  }
})

afterAll(async () => {
  const tokens = (await Promise.all([...emulators].map((e) => e.tokens()))).flat()
  const secrets = [...ALL_SECRETS, ...extraSecrets, ...tokens]
  // Also look for the distinctive middle of each token, in case one was ever clipped.
  const needles = secrets.flatMap((s) => (s.length > 64 ? [s, s.slice(20, 60)] : [s]))
  for (const line of lines) {
    for (const needle of needles) {
      if (line.includes(needle)) {
        throw new Error(`a secret leaked into a log line: ${line.slice(0, 120)}…`)
      }
    }
  }
})
