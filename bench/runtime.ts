/**
 * Where workers run. By default in RAW workerd (bench/workerd.ts: the binary with a generated
 * configuration, pinned to its own core): what Cloudflare bills. A spec with
 * `engine: 'miniflare'` runs through Miniflare instead (only the simulated rate limiter
 * diagnostic, which needs Miniflare's simulation of that binding).
 *
 * Miniflare: workers in workerd through Miniflare (never `wrangler dev`, whose log relay would be part
 * of the measurement). One Miniflare = one workerd process, so the CPU time read from /proc is
 * that of the workers it hosts (and their Durable Objects), nothing else. Requests go to each
 * worker's own socket (`unsafeDirectSockets`), not through Miniflare's routing entry worker.
 * Miniflare is told to stay silent: no request log, no console output. The gateway still calls
 * console.log once per request; workerd hands those lines to Node, which drops them here —
 * production collects logs outside the request path, so this is a small overcharge.
 */
import { dirname } from 'node:path'
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare'
import { COMPATIBILITY_DATE } from './config.ts'
import { cpuMicros, workerdChildren } from './proc-cpu.ts'
import type { GatewayWiring } from './wiring.ts'
import { startWorkerd } from './workerd.ts'

export interface WorkerSpec {
  name: string
  /** The entry module. */
  scriptPath: string
  /** Modules it imports, in the same folder (then every module is listed explicitly). */
  imports?: string[]
  bindings: Record<string, string>
  /** Durable Objects and rate limiters (the gateway); none for the baselines. */
  wiring?: GatewayWiring
  /** Gets a socket of its own (default true); a worker that only hosts objects needs none. */
  serve?: boolean
  /** Reachable through the DevTools inspector (bench/profile.ts). */
  inspect?: boolean
  /** Raw workerd (default) or Miniflare; one instance uses one engine for all its workers. */
  engine?: 'workerd' | 'miniflare'
}

export interface Instance {
  /** Origin of each served worker, e.g. http://127.0.0.1:PORT (no trailing slash). */
  origins: Record<string, string>
  /** The first served worker's origin. */
  origin: string
  /** workerd's pid, when it could be found in /proc. */
  pid: number | undefined
  /** CPU µs workerd has used so far (NaN when unknown). */
  cpuMicros(): number
  /** From constructing Miniflare (spawning workerd) to its sockets being ready. */
  readyMs: number
  /** DevTools WebSocket URL of an inspected worker. */
  inspectorUrl(name: string): Promise<string>
  dispose(): Promise<void>
}

let disposing: Promise<unknown> = Promise.resolve()

export async function startInstance(workers: readonly WorkerSpec[]): Promise<Instance> {
  if (workers.some((spec) => spec.engine === 'miniflare')) return startMiniflare(workers)
  return startWorkerd(workers)
}

async function startMiniflare(workers: readonly WorkerSpec[]): Promise<Instance> {
  // A workerd still shutting down would be taken for the new one.
  await disposing
  const before = workerdChildren()
  const started = performance.now()
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port: 0,
      log: new Log(LogLevel.NONE),
      logRequests: false,
      handleStructuredLogs: () => undefined,
      ...(workers.some((spec) => spec.inspect) ? { inspectorPort: 0 } : {}),
      workers: workers.map((spec) => ({
        name: spec.name,
        ...(spec.imports
          ? {
              modulesRoot: dirname(spec.scriptPath),
              modules: [spec.scriptPath, ...spec.imports].map((path) => ({
                type: 'ESModule' as const,
                path,
              })),
            }
          : { modules: true, scriptPath: spec.scriptPath }),
        compatibilityDate: COMPATIBILITY_DATE,
        bindings: spec.bindings,
        ...(spec.wiring
          ? { durableObjects: spec.wiring.durableObjects, ratelimits: spec.wiring.ratelimits }
          : {}),
        ...(spec.serve === false ? {} : { unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] }),
        ...(spec.inspect ? { unsafeInspectorProxy: true } : {}),
      })),
    })
  )
  try {
    await mf.ready
    const readyMs = performance.now() - started
    const origins: Record<string, string> = {}
    for (const spec of workers) {
      if (spec.serve === false) continue
      origins[spec.name] = (await mf.unsafeGetDirectURL(spec.name)).origin
    }
    const fresh = [...workerdChildren()].filter((pid) => !before.has(pid))
    const pid = fresh.length === 1 ? fresh[0] : undefined
    const first = Object.values(origins)[0]
    let stopped: Promise<void> | undefined
    if (!first) throw new Error('no served worker')
    return {
      origins,
      origin: first,
      pid,
      cpuMicros: () => cpuMicros(pid),
      readyMs,
      inspectorUrl: async (name) => new URL(name, await mf.getInspectorURL()).href,
      // Idempotent: a case stops its workers early, the run's cleanup stops whatever is left.
      dispose: () => {
        stopped ??= mf.dispose()
        disposing = stopped.catch(() => undefined)
        return stopped
      },
    }
  } catch (error) {
    await mf.dispose()
    throw error
  }
}

/** One worker in its own workerd. */
export function startWorker(spec: WorkerSpec): Promise<Instance> {
  return startInstance([spec])
}
