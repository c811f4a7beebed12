import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { inject } from 'vitest'
import { emulatorClient } from '../../emulator/client.ts'
import { type AppOptions, createApp } from '../../src/app'
import type { RetryPolicy } from '../../src/upstream/attempt'
import { IAM_PASSWORD, standardClients } from './fixtures'
import { registerEmulator } from './log-capture'

export type Emulator = Awaited<ReturnType<ReturnType<typeof emulatorClient>['spawn']>>

/** Short timings so fault tests finish quickly; the shape of the policy is the production one. */
export const FAST_RETRY: Partial<RetryPolicy> = {
  attemptTimeoutMs: 400,
  deadlineMs: 2_000,
  baseDelayMs: 10,
  throttledBaseDelayMs: 20,
  maxDelayMs: 50,
  minAttemptMs: 50,
}

export interface TestGatewayOptions {
  clients?: unknown[]
  /** Binding overrides (e.g. a broken GATEWAY_CLIENTS, or a Durable Object namespace that fails). */
  bindings?: Record<string, unknown>
  app?: AppOptions
  emulator?: Emulator
}

/**
 * The real gateway app, in workerd, wired to a fresh emulator instance of its own. Requests go
 * through `app.fetch(request, env, ctx)` exactly as the Workers runtime calls the default export.
 */
export async function startGateway(options: TestGatewayOptions = {}) {
  const emulator = options.emulator ?? (await emulatorClient(inject('emulatorUrl')).spawn())
  registerEmulator(emulator)
  const app = createApp({ ...options.app, retry: { ...FAST_RETRY, ...options.app?.retry } })
  const bindings = {
    ...env,
    DIS_ENDPOINT: emulator.url,
    IAM_ENDPOINT: emulator.url,
    IAM_PASSWORD,
    GATEWAY_CLIENTS: JSON.stringify(options.clients ?? (await standardClients())),
    // `request` waits for background work, and a verification waits RESET_VERIFY_SECONDS (10 s by
    // default) first: tests of verification turn it on with a short delay of their own.
    RESET_VERIFY_SECONDS: '0',
    ...options.bindings,
  }

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const ctx = createExecutionContext()
    const response = await app.fetch(
      new Request(`https://gateway.test${path}`, init),
      bindings,
      ctx
    )
    await waitOnExecutionContext(ctx)
    return response
  }

  /** `DELETE /v1/checkpoints?…` with a bearer key. */
  function reset(
    query: Record<string, string> | string,
    key?: string,
    headers: Record<string, string> = {}
  ) {
    const search = typeof query === 'string' ? query : new URLSearchParams(query).toString()
    return request(`/v1/checkpoints?${search}`, {
      method: 'DELETE',
      headers: key === undefined ? headers : { Authorization: `Bearer ${key}`, ...headers },
    })
  }

  return { app, emulator, bindings, request, reset }
}

export type TestGateway = Awaited<ReturnType<typeof startGateway>>

/**
 * The gateway as a pure DELETE proxy (RESET_LEDGER=off): for tests that pin down what the DELETE
 * itself does upstream (attempts, retries, fan-out), without the snapshot's ShowCheckpoint calls.
 */
export function startPureProxy(options: TestGatewayOptions = {}) {
  return startGateway({ ...options, bindings: { RESET_LEDGER: 'off', ...options.bindings } })
}

/** Reads a problem body and checks the invariant members every problem has. */
export async function problemOf(response: Response): Promise<Record<string, unknown>> {
  const contentType = response.headers.get('content-type') ?? ''
  if (!contentType.startsWith('application/problem+json')) {
    throw new Error(
      `expected a problem, got ${response.status} ${contentType}: ${await response.text()}`
    )
  }
  return (await response.json()) as Record<string, unknown>
}
