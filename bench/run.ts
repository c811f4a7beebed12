/**
 * `npm run bench`: builds the bundles, starts the upstream and the workers, runs every case and
 * writes bench/RESULTS.md. Fully local: every socket is on 127.0.0.1, every loop is bounded by
 * a request count or a duration. Not part of `npm test` (timing assertions would be flaky).
 *
 * Every worker runs in raw workerd (bench/workerd.ts), pinned to its own core once the bundles
 * are built; this process (load generator and upstream) is pinned to the other core.
 *
 * Flags: `--quick` runs every case with short turns (written to bench/.out/RESULTS.quick.md);
 * `--only=cpu,proxy,reset,move,webhook,iam,cold,all` runs some cases (written to bench/.out too).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildAll } from './build.ts'
import { measureAllPartitions } from './cases/all-partitions.ts'
import { measureColdStart } from './cases/cold-start.ts'
import { measureFullReset } from './cases/full-reset.ts'
import { measureIam } from './cases/iam.ts'
import { measureMove } from './cases/move.ts'
import { measurePureProxy, measureSimulatedLimiter } from './cases/pure-proxy.ts'
import { measureWebhook } from './cases/webhook.ts'
import { measureWorkerCpu } from './cases/worker-cpu.ts'
import { OUT_DIR, PLAN, QUICK, RESULTS_PATH } from './config.ts'
import { once } from './load.ts'
import { describeMachine } from './machine.ts'
import { type BenchResults, renderReadmeSnippet, renderResults, renderSummary } from './report.ts'
import { type Instance, startWorker } from './runtime.ts'
import { bearerReset, targets } from './targets.ts'
import { startUpstream } from './upstream.ts'
import { readGatewayWiring } from './wiring.ts'
import { pinBench } from './workerd.ts'

const CASES = ['cpu', 'proxy', 'reset', 'move', 'webhook', 'iam', 'cold', 'all'] as const
type CaseName = (typeof CASES)[number]

const onlyArg = process.argv.find((arg) => arg.startsWith('--only='))
const only = onlyArg
  ? new Set(onlyArg.slice('--only='.length).split(',') as CaseName[])
  : new Set(CASES)
for (const name of only) {
  if (!CASES.includes(name)) throw new Error(`unknown case ${name}; cases: ${CASES.join(', ')}`)
}
const partial = only.size < CASES.length
const resultsPath = partial ? join(OUT_DIR, 'RESULTS.partial.md') : RESULTS_PATH

const began = performance.now()
const say = (line: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}`)

say(
  `${QUICK ? 'QUICK run (short turns, not a verdict)' : `${PLAN.rounds} rounds per case`}; ` +
    `cases: ${[...only].join(', ')}`
)
say('building bundles (wrangler deploy --dry-run) and reading wrangler.jsonc')
const [bundles, wiring] = await Promise.all([buildAll(), readGatewayWiring()])
// After the build (wrangler would be slowed down on one core): this process and the threads it
// starts from now on (the upstream) on one core, every workerd on the other.
const pinned = await pinBench()
say(pinned ? 'pinned: workerd on core 0, load generator and upstream on core 1' : 'NOT pinned')

const upstream = await startUpstream()
const make = targets(bundles, wiring, upstream.url)
const running: Instance[] = []
const start = async (spec: Parameters<typeof startWorker>[0]) => {
  const instance = await startWorker(spec)
  running.push(instance)
  return instance
}
const results: BenchResults = {
  date: new Date().toISOString(),
  quick: QUICK,
  machine: describeMachine(),
  bundles,
  pinned,
  elapsedS: 0,
  errors: [],
}
/** A started baseline that has made its one IAM login, so its login is not counted later. */
async function warmBaseline(spec: Parameters<typeof startWorker>[0]): Promise<Instance> {
  const instance = await start(spec)
  const { status } = await once(instance.origin, bearerReset())
  if (status !== 200) throw new Error(`${spec.name} answered ${status} to its first reset`)
  return instance
}

/**
 * Runs one case; a case that fails is reported (terminal and RESULTS.md) and the run goes on, so
 * one broken case does not cost the figures of the others. Its workers are stopped either way.
 */
async function guarded(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    say(`CASE FAILED: ${name}: ${message}`)
    results.errors.push({ case: name, message: message.split('\n')[0] ?? message })
  } finally {
    await Promise.allSettled(running.splice(0).map((instance) => instance.dispose()))
  }
}

try {
  say(`upstream on ${upstream.url}`)
  const warmIam: NonNullable<BenchResults['warmIam']> = []
  if (only.has('cpu')) {
    await guarded('worker CPU', async () => {
      say('worker CPU per request, raw workerd: raw → bare Hono → gateway → gateway (log no-op)')
      const instances = {
        raw: await start(make.raw()),
        hono: await start(make.hono(false)),
        gateway: await start(make.gateway({ ledger: 'off' })),
        'gateway, log → no-op': await start(make.gateway({ ledger: 'off', logSink: 'off' })),
      }
      results.workerCpu = await measureWorkerCpu(instances, upstream, say)
    })
  }
  if (only.has('proxy') || only.has('webhook')) {
    await guarded('pure proxy and webhook', async () => {
      const gateway = await start(make.gateway({ ledger: 'off' }))
      // The baselines log in to IAM on their first reset: done before counting the gateway's.
      const raw = only.has('proxy') ? await warmBaseline(make.raw()) : undefined
      const hono = only.has('proxy') ? await warmBaseline(make.hono(false)) : undefined
      const iamBefore = upstream.iamTotal()
      let otherIam = 0
      if (raw && hono) {
        say('pure proxy: raw → bare Hono → gateway (RESET_LEDGER=off), alternating, saturated')
        results.pureProxy = await measurePureProxy({ raw, hono, gateway }, upstream, say)
        await raw.dispose()
        await hono.dispose()
        const simulatedBefore = upstream.iamTotal()
        const simulated = await start(make.gatewaySimulatedLimiter({ ledger: 'off' }))
        results.simulatedLimiter = await measureSimulatedLimiter(gateway, simulated, upstream, say)
        await simulated.dispose()
        otherIam = upstream.iamTotal() - simulatedBefore
        warmIam.push({ gateway: 'simulated rate limiter (diagnostic)', iamCalls: otherIam })
      }
      if (only.has('webhook')) {
        say(`webhook route vs bearer route (RESET_LEDGER=off), upstream ${PLAN.upstreamDelayMs} ms`)
        results.webhook = await measureWebhook(gateway, upstream, say)
      }
      warmIam.unshift({
        gateway: 'RESET_LEDGER=off (pure proxy, webhook)',
        iamCalls: upstream.iamTotal() - iamBefore - otherIam,
      })
    })
  }
  if (only.has('reset')) {
    await guarded('full v2 reset', async () => {
      say('full v2 reset (RESET_LEDGER=on) vs bare Hono GET + DELETE')
      const hono = await warmBaseline(make.hono(true))
      const gateway = await start(make.gateway({ ledger: 'on' }))
      const iamBefore = upstream.iamTotal()
      results.fullReset = await measureFullReset({ hono, gateway }, upstream, say)
      warmIam.push({
        gateway: 'RESET_LEDGER=on (full reset)',
        iamCalls: upstream.iamTotal() - iamBefore,
      })
    })
  }
  if (only.has('move')) {
    await guarded('time move', async () => {
      say('time move of one partition (rewind 1 hour) vs bare Hono making the same DIS calls')
      const hono = await warmBaseline(make.hono(true))
      const gateway = await start(make.gateway({ ledger: 'on' }))
      results.move = await measureMove({ hono, gateway }, upstream, say)
    })
  }
  if (warmIam.length > 0) results.warmIam = warmIam
  if (only.has('iam')) {
    await guarded('IAM', async () => {
      results.iam = await measureIam(make, wiring, upstream, say)
    })
  }
  if (only.has('cold')) {
    await guarded('cold start', async () => {
      say(`cold start: ${PLAN.coldStarts} fresh starts each of raw, bare Hono, gateway`)
      results.coldStart = await measureColdStart(make, upstream, say)
    })
  }
  if (only.has('all')) {
    await guarded('partition_id=all', async () => {
      const modes =
        results.fullReset?.available === false ? (['off'] as const) : (['off', 'on'] as const)
      results.allPartitions = await measureAllPartitions(make, upstream, modes, say)
    })
  }
  results.elapsedS = (performance.now() - began) / 1000
} finally {
  await Promise.allSettled(running.map((instance) => instance.dispose()))
  // Settings back to neutral for whatever a failed case left behind.
  upstream.setLatency(0)
  upstream.setPartitions(1)
  await upstream.close()
}

writeFileSync(resultsPath, renderResults(results))
const snippetPath = join(OUT_DIR, 'performance-snippet.md')
writeFileSync(snippetPath, renderReadmeSnippet(results))
console.log(`\n${renderSummary(results)}`)
say(`wrote ${resultsPath} and ${snippetPath} (for the README)`)
if (results.errors.length > 0) {
  say(`${results.errors.length} case(s) failed: ${results.errors.map((e) => e.case).join(', ')}`)
  process.exitCode = 1
}
