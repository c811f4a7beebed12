/**
 * Runs one worker in workerd through Miniflare (never `wrangler dev`, whose log relay would be
 * part of the measurement). Miniflare is told to stay silent: no request log (by default it
 * posts every request to Node over its loopback), no console output. The gateway still calls
 * console.log once per request; workerd hands those lines to Node, which parses and drops them
 * here — production collects logs outside the request path, so this is a small overcharge.
 */
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare'
import { COMPATIBILITY_DATE } from './config.ts'

export interface RunningWorker {
  name: string
  /** Origin, e.g. http://127.0.0.1:PORT (no trailing slash). */
  origin: string
  /** From constructing Miniflare (spawning workerd) to the first 200 from /healthz. */
  startupMs: number
  dispose(): Promise<void>
}

export interface WorkerSpec {
  name: string
  scriptPath: string
  bindings: Record<string, string>
  /** Receives each console line the worker writes (default: dropped). */
  onLog?: (message: string) => void
}

export async function startWorker(spec: WorkerSpec): Promise<RunningWorker> {
  const started = performance.now()
  const onLog = spec.onLog ?? (() => undefined)
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: spec.name,
      modules: true,
      scriptPath: spec.scriptPath,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings: spec.bindings,
      host: '127.0.0.1',
      port: 0,
      log: new Log(LogLevel.NONE),
      logRequests: false,
      handleStructuredLogs: (log) => onLog(log.message),
    })
  )
  try {
    const origin = (await mf.ready).origin
    await untilHealthy(origin)
    return {
      name: spec.name,
      origin,
      startupMs: performance.now() - started,
      dispose: () => mf.dispose(),
    }
  } catch (error) {
    await mf.dispose()
    throw error
  }
}

async function untilHealthy(origin: string): Promise<void> {
  const deadline = performance.now() + 10_000
  for (;;) {
    try {
      const response = await fetch(`${origin}/healthz`)
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // not accepting connections yet
    }
    if (performance.now() > deadline) throw new Error('worker did not become healthy in 10 s')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
