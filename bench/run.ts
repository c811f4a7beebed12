/**
 * `npm run bench`: builds the bundles, starts the upstream and the workers (raw passthrough,
 * bare Hono, gateway, and a diagnostic gateway copy), measures, and writes bench/RESULTS.md. Fully local: every socket is on 127.0.0.1, every loop is bounded by a
 * request count or a duration. Not part of `npm test` (timing assertions would be flaky).
 */
import { statSync, writeFileSync } from 'node:fs'
import { buildAll } from './build.ts'
import { baselineBindings, gatewayBindings, RESULTS_PATH } from './config.ts'
import { measureIam } from './iam.ts'
import { describeMachine } from './machine.ts'
import { measureAllPartitions } from './partitions.ts'
import { type BenchResults, renderResults, renderTables, targetsTable } from './report.ts'
import { type RunningWorker, startWorker } from './runtime.ts'
import { alternate, summarize, type TargetName } from './throughput.ts'
import { startUpstream } from './upstream.ts'

const began = performance.now()
const say = (line: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}`)

say('building bundles (wrangler deploy --dry-run)')
const bundles = await buildAll()

const upstream = await startUpstream()
const workers: Partial<Record<TargetName, RunningWorker>> = {}
let results: BenchResults
try {
  say(`upstream on ${upstream.url}; starting workers`)
  workers.raw = await startWorker({
    name: 'raw',
    scriptPath: bundles.raw,
    bindings: baselineBindings(upstream.url),
  })
  workers.hono = await startWorker({
    name: 'hono',
    scriptPath: bundles.hono.path,
    bindings: baselineBindings(upstream.url),
  })
  workers.gateway = await startWorker({
    name: 'gateway',
    scriptPath: bundles.gateway.path,
    bindings: gatewayBindings(upstream.url),
  })
  workers.muted = await startWorker({
    name: 'gateway-muted',
    scriptPath: bundles.gatewayMuted,
    bindings: gatewayBindings(upstream.url),
  })
  const ready = {
    raw: workers.raw,
    hono: workers.hono,
    gateway: workers.gateway,
    muted: workers.muted,
  }

  say('load: raw → hono → gateway → gateway with muted log, alternating')
  const runs = await alternate(ready, upstream, say)
  // Free the cores for what follows; the IAM cases start gateways of their own.
  for (const target of Object.keys(ready) as TargetName[]) {
    await ready[target].dispose()
    delete workers[target]
  }

  say('IAM calls: sequential and cold bursts on fresh gateways')
  const iam = await measureIam(bundles.gateway.path, upstream)
  say('partition_id=all')
  const allPartitions = await measureAllPartitions(bundles.gateway.path)

  results = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    bundles: {
      gateway: bundles.gateway,
      hono: bundles.hono,
      rawBytes: statSync(bundles.raw).size,
    },
    startupMs: {
      raw: ready.raw.startupMs,
      hono: ready.hono.startupMs,
      gateway: [ready.gateway.startupMs, ...iam.startupMs],
    },
    runs,
    summary: {
      raw: summarize(runs, 'raw'),
      hono: summarize(runs, 'hono'),
      gateway: summarize(runs, 'gateway'),
      muted: summarize(runs, 'muted'),
    },
    iam,
    allPartitions,
    elapsedS: (performance.now() - began) / 1000,
  }
} finally {
  await Promise.allSettled(Object.values(workers).map((worker) => worker.dispose()))
  await upstream.close()
}

writeFileSync(RESULTS_PATH, renderResults(results))
console.log(`\n${renderTables(results)}`)
const { misses } = targetsTable(results)
say(`wrote bench/RESULTS.md; ${misses} target(s) missed`)
