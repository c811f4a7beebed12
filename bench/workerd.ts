/**
 * Runs workers in RAW workerd: the `workerd` binary from node_modules, started with a capnp
 * configuration generated here, with nothing between the worker and the sockets. Miniflare puts
 * its own `outbound` worker in front of every outbound `fetch` (about 150–190 µs of CPU per
 * request, on every side of a comparison), which is not what Cloudflare bills; raw workerd is.
 *
 * - Pinning: each workerd runs under `taskset` on one core (WORKER_CORE), the load generator
 *   and the upstream (this Node process) on the other (pinBench), so a worker never competes
 *   with the load it is measured under. With one core, nothing is pinned.
 * - Durable Objects: SQLite-backed (`enableSql`), stored on local disk in a fresh directory per
 *   start, one `uniqueKey` per class, as wrangler configures them.
 * - Rate limiter: raw workerd has no Rate Limiting binding; the gateway runs behind
 *   bench/workers/gateway-entry.js, which replaces it with an in-memory counter.
 * - Ports: every socket listens on port 0; workerd reports the ports on its control fd.
 * - Logs: the worker's stdout goes to /dev/null (production collects logs off the request path);
 *   stderr is kept for error messages.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { COMPATIBILITY_DATE, OUT_DIR, ROOT } from './config.ts'
import { cpuMicros } from './proc-cpu.ts'
import type { Instance, WorkerSpec } from './runtime.ts'

/**
 * The native binary the `workerd` package resolves to (its bin/workerd is a Node wrapper,
 * which would add a Node start to every spawn and run under whatever `node` is on PATH).
 */
export const WORKERD: string = (() => {
  const exported = createRequire(join(ROOT, 'package.json'))('workerd') as {
    default: string | { default: string }
  }
  return typeof exported.default === 'string' ? exported.default : exported.default.default
})()
/** Core of every workerd; the bench process (load + upstream) runs on the other one. */
export const WORKER_CORE = 0
export const BENCH_CORE = 1
export const PINNED = availableParallelism() >= 2

/** Pins this process (every thread: load generator and upstream) to BENCH_CORE. */
export async function pinBench(): Promise<boolean> {
  if (!PINNED) return false
  const child = spawn('taskset', ['-a', '-cp', String(BENCH_CORE), String(process.pid)], {
    stdio: 'ignore',
  })
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve)
    child.once('error', () => resolve(-1))
  })
  return code === 0
}

/** A capnp text literal (JSON's escapes are a subset of capnp's for the ASCII we pass). */
const text = (value: string) => JSON.stringify(value)

function bindingsOf(spec: WorkerSpec): string[] {
  const out = Object.entries(spec.bindings).map(
    ([name, value]) => `(name = ${text(name)}, text = ${text(value)})`
  )
  for (const [name, d] of Object.entries(spec.wiring?.durableObjects ?? {})) {
    const designator = d.scriptName
      ? `(className = ${text(d.className)}, serviceName = ${text(d.scriptName)})`
      : text(d.className)
    out.push(`(name = ${text(name)}, durableObjectNamespace = ${designator})`)
  }
  return out
}

/** The classes this worker hosts itself (bindings to another worker's classes host nothing). */
function hostedClasses(spec: WorkerSpec): string[] {
  const own = Object.values(spec.wiring?.durableObjects ?? {}).filter((d) => !d.scriptName)
  return [...new Set(own.map((d) => d.className))]
}

function serviceOf(spec: WorkerSpec, configDir: string): string {
  const paths = spec.imports ? [spec.scriptPath, ...spec.imports] : [spec.scriptPath]
  const root = dirname(spec.scriptPath)
  const modules = paths.map(
    (path) =>
      `(name = ${text(relative(root, path) || basename(path))}, esModule = embed ${text(relative(configDir, path))})`
  )
  const classes = hostedClasses(spec)
  const objects = classes.length
    ? `durableObjectNamespaces = [${classes
        .map(
          (c) =>
            `(className = ${text(c)}, uniqueKey = ${text(`${spec.name}-${c}`)}, enableSql = true)`
        )
        .join(', ')}],
      durableObjectStorage = (localDisk = "do-disk"),`
    : ''
  return `(name = ${text(spec.name)}, worker = (
      modules = [${modules.join(', ')}],
      compatibilityDate = ${text(COMPATIBILITY_DATE)},
      bindings = [${bindingsOf(spec).join(', ')}],
      ${objects}
      globalOutbound = "internet",
    ))`
}

/** The whole capnp configuration for these workers. */
export function capnpConfig(workers: readonly WorkerSpec[], configDir: string, doDir: string) {
  const served = workers.filter((spec) => spec.serve !== false)
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${workers.map((spec) => serviceOf(spec, configDir)).join(',\n    ')},
    (name = "internet", network = (allow = ["public", "private", "local"])),
    (name = "do-disk", disk = (path = ${text(doDir)}, writable = true)),
  ],
  sockets = [${served
    .map(
      (s) =>
        `(name = ${text(s.name)}, address = "127.0.0.1:0", http = (), service = ${text(s.name)})`
    )
    .join(', ')}],
);
`
}

interface ControlEvent {
  event: string
  socket?: string
  port?: number
}

let configCount = 0

/** Starts one workerd hosting `workers`, pinned; resolves once every socket listens. */
export async function startWorkerd(workers: readonly WorkerSpec[]): Promise<Instance> {
  const first = workers.find((spec) => spec.serve !== false)
  if (!first) throw new Error('no served worker')
  // Under the git-ignored bench/.out; modules are embedded by paths relative to it.
  const configDir = join(OUT_DIR, 'workerd')
  mkdirSync(configDir, { recursive: true })
  const configPath = join(configDir, `.workerd-${process.pid}-${configCount++}.capnp`)
  const doDir = mkdtempSync(join(tmpdir(), 'bench-do-'))
  writeFileSync(configPath, capnpConfig(workers, configDir, doDir))
  const inspect = workers.some((spec) => spec.inspect)
  const args = [
    'serve',
    configPath,
    '--control-fd=3',
    ...(inspect ? ['--inspector-addr=127.0.0.1:0'] : []),
  ]
  const started = performance.now()
  const child: ChildProcess = PINNED
    ? spawn('taskset', ['-c', String(WORKER_CORE), WORKERD, ...args], {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      })
    : spawn(WORKERD, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString()
  })
  const ports: Record<string, number> = {}
  let inspectorPort: number | undefined
  const want = new Set(workers.filter((s) => s.serve !== false).map((s) => s.name))
  const control = child.stdio[3] as NodeJS.ReadableStream
  let buffered = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('workerd did not listen within 30 s')),
        30_000
      )
      child.once('exit', (code) =>
        reject(new Error(`workerd exited (${code}) before listening: ${stderr.slice(0, 2000)}`))
      )
      control.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const event = JSON.parse(buffered.slice(0, nl)) as ControlEvent
          buffered = buffered.slice(nl + 1)
          if (event.event === 'listen' && event.socket) ports[event.socket] = event.port ?? 0
          if (event.event === 'listen-inspector') inspectorPort = event.port
        }
        const ready = [...want].every((name) => ports[name]) && (!inspect || inspectorPort)
        if (ready) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    rmSync(doDir, { recursive: true, force: true })
    rmSync(configPath, { force: true })
    throw error
  }
  const readyMs = performance.now() - started
  const origins: Record<string, string> = {}
  for (const name of want) origins[name] = `http://127.0.0.1:${ports[name]}`
  // taskset execs workerd, so the child's pid is workerd's.
  const pid = child.pid
  let stopped: Promise<void> | undefined
  return {
    origins,
    origin: origins[first.name] ?? '',
    pid,
    cpuMicros: () => cpuMicros(pid),
    readyMs,
    inspectorUrl: async (name) => {
      const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
        id: string
        webSocketDebuggerUrl?: string
      }[]
      const found = list.find((t) => t.id.includes(name)) ?? list[0]
      if (!found) throw new Error('workerd inspector lists no target')
      return found.webSocketDebuggerUrl ?? `ws://127.0.0.1:${inspectorPort}/${found.id}`
    },
    dispose: () => {
      stopped ??= (async () => {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
        await exited
        clearTimeout(timer)
        rmSync(doDir, { recursive: true, force: true })
        rmSync(configPath, { force: true })
      })()
      return stopped
    },
  }
}
