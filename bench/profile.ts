/**
 * `node bench/profile.ts`: a sampling CPU profile of the gateway under load in raw workerd
 * (bench/workerd.ts, pinned like `npm run bench`), through workerd's DevTools inspector, summed
 * by source module and by function (self time), as a share of busy time and as µs per request.
 * Not part of `npm run bench` — the profiler itself slows the isolate down; read shares and
 * relative sizes, not absolute times.
 *
 * The log line: with an inspector attached, workerd serialises every console.log for DevTools,
 * which makes the gateway's one log line per request look several times dearer than it is. So
 * by default the gateway runs with console.log replaced by a no-op sink
 * (bench/workers/gateway-entry.js, BENCH_LOG_SINK=off): the line is still built, only not
 * handed over. What handing it over costs without an inspector is measured by `npm run bench`
 * (worker CPU case: gateway − gateway with the no-op sink). `--log=console` profiles the real
 * console.log, inspector distortion included.
 *
 *   node bench/profile.ts [--ledger=on|off] [--route=bearer|webhook|move] [--latency=MS]
 *                         [--connections=N] [--seconds=S] [--top=N] [--out=FILE.cpuprofile]
 *                         [--log=sink|console]
 *
 * The Durable Objects run in the same isolate as the gateway here, so their JavaScript shows up
 * too; SQLite and other native work appears under the JS function that called it or as
 * "(program)". `--out` writes the raw profile for Chrome DevTools.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { buildAll } from './build.ts'
import { type LedgerMode, LOAD_PARTITIONS } from './config.ts'
import { load, once } from './load.ts'
import { startWorker } from './runtime.ts'
import { bearerMove, bearerReset, targets, webhookReset } from './targets.ts'
import { startUpstream } from './upstream.ts'
import { deliveryPool } from './webhook-pool.ts'
import { readGatewayWiring } from './wiring.ts'
import { pinBench } from './workerd.ts'

function arg(name: string, fallback: string): string {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? found.slice(name.length + 3) : fallback
}

const ledger = arg('ledger', 'off') as LedgerMode
const route = arg('route', 'bearer')
const latencyMs = Number(arg('latency', '0'))
const connections = Number(arg('connections', '10'))
const seconds = Number(arg('seconds', '5'))
const top = Number(arg('top', '30'))
const out = arg('out', '')
const logSink = arg('log', 'sink') === 'console' ? undefined : ('off' as const)

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** A minimal DevTools Protocol client over the WebSocket Node provides. */
async function devtools(url: string) {
  // Miniflare's inspector proxy refuses a client that names itself (user-agent) without an
  // allowed Origin; 127.0.0.1 is one.
  // (undici's WebSocketInit; the DOM typing of the constructor does not know it).
  const init = { headers: { origin: 'http://127.0.0.1' } } as unknown as string[]
  const socket = new WebSocket(url, init)
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true })
    socket.addEventListener('error', reject, { once: true })
  })
  let nextId = 1
  const pending = new Map<number, (result: unknown) => void>()
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown }
    if (message.id !== undefined) pending.get(message.id)?.(message.result)
  })
  return {
    send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++
      socket.send(JSON.stringify({ id, method, params }))
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${method}`)), 30_000)
        pending.set(id, (r) => {
          clearTimeout(timer)
          resolve(r as T)
        })
      })
    },
    close: () => socket.close(),
  }
}

/**
 * Which source module each line of the unminified bundle came from: esbuild heads every module
 * with a `// path` comment (e.g. `// src/upstream/attempt.ts`, `// node_modules/hono/...`).
 */
function moduleMap(bundlePath: string): (line: number) => string {
  const starts: { line: number; module: string }[] = []
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      // (a path outside the project, e.g. through a symlinked node_modules, keeps its tail)
      const match = /^\/\/ (?:\S*\/)?((?:src|node_modules)\/\S+)$/.exec(text)
      if (match?.[1]) starts.push({ line: index, module: match[1] })
    })
  return (line) => {
    // Before the first module: esbuild's helpers, i.e. `__name` (keep_names).
    let found = '(bundle helpers: __name)'
    for (const start of starts) {
      if (start.line > line) break
      found = start.module
    }
    return found.replace(/^node_modules\/(@?[^/]+)\/.*/, '$1 (dependency)')
  }
}

type Totals = { name: string; ms: number }[]

function selfTimes(profile: Profile, moduleOf: (line: number) => string) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const functions = new Map<string, number>()
  const modules = new Map<string, number>()
  const add = (map: Map<string, number>, key: string, ms: number) =>
    map.set(key, (map.get(key) ?? 0) + ms)
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame
    if (!frame) return
    const ms = (profile.timeDeltas[i] ?? 0) / 1000
    const file = frame.url.split('/').pop() || ''
    const fn = frame.functionName || '(anonymous)'
    add(functions, `${fn} ${file ? `${file}:${frame.lineNumber + 1}` : '(native)'}`, ms)
    const module =
      file === 'gateway.js'
        ? moduleOf(frame.lineNumber)
        : file
          ? file
          : fn.startsWith('(')
            ? fn
            : 'runtime built-ins (fetch, Response, timers, crypto, storage, streams)'
    add(modules, module, ms)
  })
  const sorted = (map: Map<string, number>): Totals =>
    [...map].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms)
  return { functions: sorted(functions), modules: sorted(modules) }
}

/**
 * Each row: sampled ms, share of busy time, µs per response as sampled (profiler included), and
 * that share of the unprofiled CPU per request (`cpuUs`, workerd's own CPU measured on the same
 * load just before, without the profiler): an estimate that assumes the profiler slows every
 * part alike.
 */
function print(title: string, totals: Totals, count: number, responses: number, cpuUs: number) {
  const idle = totals.find((t) => t.name.startsWith('(idle)'))?.ms ?? 0
  const busy = totals.reduce((n, t) => n + t.ms, 0) - idle
  console.log(`\n${title}: sampled ms, share of busy, µs/response sampled, ≈ µs/request unprofiled`)
  for (const t of totals.filter((t) => !t.name.startsWith('(idle)')).slice(0, count)) {
    const share = `${((t.ms / busy) * 100).toFixed(1)} %`
    const perResponse = `${((t.ms * 1000) / Math.max(1, responses)).toFixed(1)} µs`
    const estimate = `${((t.ms / busy) * cpuUs).toFixed(1)} µs`
    console.log(
      `${t.ms.toFixed(1).padStart(9)} ms ${share.padStart(7)} ${perResponse.padStart(10)} ` +
        `${estimate.padStart(10)}  ${t.name}`
    )
  }
}

// Unminified, so the profile names functions (wrangler.jsonc minifies the deployed bundle).
const [bundles, wiring] = await Promise.all([buildAll({ minify: false }), readGatewayWiring()])
await pinBench()
const upstream = await startUpstream()
upstream.setLatency(latencyMs)
const spec = {
  ...targets(bundles, wiring, upstream.url).gateway({ ledger, ...(logSink ? { logSink } : {}) }),
  inspect: true,
}
const gateway = await startWorker(spec)
try {
  const pool = deliveryPool()
  const request =
    route === 'webhook' ? webhookReset(pool) : route === 'move' ? bearerMove() : bearerReset()
  // A move reads its partition's range: the upstream must list every partition the load uses.
  if (route === 'move') upstream.setPartitions(LOAD_PARTITIONS)
  const perConnection = Math.ceil(((seconds + 2) * 1000) / Math.max(1, latencyMs)) + 2
  if (route === 'webhook') await pool.refill(Math.min(200_000, connections * perConnection + 50))
  await once(gateway.origin, request)
  await load(gateway.origin, request, { connections, durationS: 1 })
  // The same load without the profiler: workerd's own CPU per request, to scale the shares.
  const cpuBefore = gateway.cpuMicros()
  const plain = await load(gateway.origin, request, { connections, durationS: seconds })
  await new Promise((resolve) => setTimeout(resolve, 250))
  const cpuUs = (gateway.cpuMicros() - cpuBefore) / Math.max(1, plain.sent)
  const inspector = await devtools(await gateway.inspectorUrl(spec.name))
  await inspector.send('Profiler.enable')
  await inspector.send('Profiler.setSamplingInterval', { interval: 100 })
  await inspector.send('Profiler.start')
  const result = await load(gateway.origin, request, { connections, durationS: seconds })
  const { profile } = await inspector.send<{ profile: Profile }>('Profiler.stop')
  inspector.close()
  if (out) writeFileSync(out, JSON.stringify(profile))
  const { functions, modules } = selfTimes(profile, moduleMap(bundles.gatewayEntry.bundle))
  const total = functions.reduce((n, t) => n + t.ms, 0)
  const idle = functions.find((t) => t.name.startsWith('(idle)'))?.ms ?? 0
  console.log(
    `RESET_LEDGER=${ledger} route=${route} log=${logSink ? 'no-op sink' : 'console.log'} ` +
      `upstream ${latencyMs} ms, ${connections} connections: ` +
      `${result.requestsPerSecond.toFixed(0)} req/s, ${result.failures} failures; ` +
      `${total.toFixed(0)} ms sampled, ${((1 - idle / total) * 100).toFixed(0)} % busy, ` +
      `${((total - idle) / Math.max(1, result.responses)).toFixed(2)} ms busy per response ` +
      `(profiler included); without the profiler: ${cpuUs.toFixed(0)} µs workerd CPU per request`
  )
  print('By source module', modules, top, result.responses, cpuUs)
  print('By function (self time)', functions, top, result.responses, cpuUs)
} finally {
  await gateway.dispose()
  await upstream.close()
}
