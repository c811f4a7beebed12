/**
 * Boots the real gateway (wrangler.jsonc → src/index.ts, bundled by wrangler, run by workerd)
 * from a Node test through wrangler's JS API — the same machinery as `wrangler dev`, without a
 * CLI process to kill. For tests about a whole process lifetime: stop the Worker, start a fresh
 * one on the same on-disk Durable Object state, and see what survived.
 */
import { fileURLToPath } from 'node:url'
import { unstable_DevEnv } from 'wrangler'

const CONFIG_PATH = fileURLToPath(new URL('../../../wrangler.jsonc', import.meta.url))

// wrangler would otherwise try to reach Cloudflare (metrics, the `cf` object); tests are offline.
process.env.WRANGLER_SEND_METRICS = 'false'
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false'

export interface WorkerOptions {
  /** Where local Durable Object state lives. The same directory again = a restart. */
  persistDir: string
  /** Plain vars, on top of (and overriding) wrangler.jsonc `vars` and any `.dev.vars`. */
  vars?: Record<string, string>
  /** Secret bindings (wrangler.jsonc `secrets.required`). */
  secrets?: Record<string, string>
  /** Upper bound for bundling + starting workerd; generous because the machine is shared. */
  bootTimeoutMs?: number
}

export interface RunningWorker {
  /** `http://127.0.0.1:<port>/`, wrangler's proxy in front of the Worker. */
  url: URL
  /** Every line the Worker (and workerd) logged, as `level: message`, for log-hygiene checks. */
  logs: string[]
  /** Errors wrangler reported after boot (a crashed runtime, a failed reload). */
  errors: string[]
  /** A real HTTP request to the Worker over loopback, bounded by `timeoutMs`. */
  request(path: string, init?: RequestInit, timeoutMs?: number): Promise<Response>
  /** Stops the proxy and the Worker's workerd process; state stays in `persistDir`. */
  dispose(): Promise<void>
}

/** One line out of whatever wrangler emitted: a UserError, or `{ source, reason, cause }`. */
function describe(event: unknown): string {
  if (event instanceof Error) return event.message
  const { source, reason, cause } = (event ?? {}) as {
    source?: string
    reason?: string
    cause?: unknown
  }
  const detail = cause instanceof Error ? cause.message : String(cause ?? '')
  return `${source ?? 'wrangler'}: ${reason ?? 'error'}${detail ? ` — ${detail}` : ''}`
}

function timeout(ms: number, what: string): { promise: Promise<never>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })
  return { promise, clear: () => clearTimeout(timer) }
}

/**
 * Starts the Worker and resolves once workerd is serving it. Rejects — after tearing everything
 * down — when the bundle fails, when workerd refuses the script (e.g. "Disallowed operation
 * called within global scope"), or when booting exceeds `bootTimeoutMs`.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const logs: string[] = []
  const errors: string[] = []
  const devEnv = new unstable_DevEnv()

  // Listeners go on before starting: the runtime can fail before `startWorker` returns, and
  // an `error` event without a listener would crash the test process instead of failing a test.
  let booted = false
  let bootFailed: (error: Error) => void = () => {}
  const failure = new Promise<never>((_, reject) => {
    bootFailed = reject
  })
  failure.catch(() => {}) // observed through the race below
  const onError = (event: unknown) => {
    if (booted) errors.push(describe(event))
    else bootFailed(new Error(`the Worker failed to start: ${describe(event)}`))
  }
  devEnv.on('error', onError)
  devEnv.on('buildFailed', onError)
  // `ready` only means wrangler's proxy is up; `reloadComplete` means workerd runs our script.
  const runtimeUp = new Promise<void>((resolve) => devEnv.once('reloadComplete', () => resolve()))

  const toBinding = (type: 'plain_text' | 'secret_text', values: Record<string, string> = {}) =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { type, value }]))

  const limit = timeout(options.bootTimeoutMs ?? 20_000, 'booting the Worker')
  try {
    const starting = devEnv.startWorker({
      config: CONFIG_PATH,
      bindings: {
        ...toBinding('plain_text', options.vars),
        ...toBinding('secret_text', options.secrets),
      },
      dev: {
        persist: options.persistDir,
        server: { hostname: '127.0.0.1', port: 0 },
        inspector: false,
        watch: false,
        liveReload: false,
        generateTypes: false,
        // wrangler's own chatter ("Starting local server…", bindings table) stays out of the
        // test output; its errors still print. The Worker's lines go to `logs`.
        logLevel: 'error',
        structuredLogsHandler: (log: { level: string; message: string }) => {
          logs.push(`${log.level}: ${log.message}`)
        },
      },
    })
    starting.catch(() => {}) // a late rejection after a timeout is moot: we tear down
    const worker = await Promise.race([starting, failure, limit.promise])
    await Promise.race([Promise.all([worker.ready, runtimeUp]), failure, limit.promise])
    booted = true
    const url = await worker.url
    return {
      url,
      logs,
      errors,
      request: (path, init = {}, timeoutMs = 5_000) =>
        fetch(new URL(path, url), { ...init, signal: AbortSignal.timeout(timeoutMs) }),
      // Straight to teardown: the public `dispose()` first waits for the proxy to be ready.
      dispose: () => devEnv.teardown(),
    }
  } catch (error) {
    await devEnv.teardown().catch(() => {})
    throw error
  } finally {
    limit.clear()
  }
}
