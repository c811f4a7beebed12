/** Turns the measurements into the tables printed at the end and bench/RESULTS.md. */
import type { Bundle, Bundles } from './build.ts'
import type { AllPartitionsRun } from './cases/all-partitions.ts'
import { type ColdStartResult, coldExcess, coldRatio } from './cases/cold-start.ts'
import type { FullResetAtLatency, FullResetResult } from './cases/full-reset.ts'
import type { IamResult } from './cases/iam.ts'
import type { MoveResult } from './cases/move.ts'
import type { PureProxyResult, SimulatedLimiterResult } from './cases/pure-proxy.ts'
import type { WebhookResult } from './cases/webhook.ts'
import { CPU_TARGET_ADDED_US, type WorkerCpuResult } from './cases/worker-cpu.ts'
import { BENCH_RATE_LIMIT, PLAN, type Turn } from './config.ts'
import type { Machine } from './machine.ts'
import { type Spread, spread } from './stats.ts'
import type { TurnResult, VariantSummary } from './turns.ts'
import type { UpstreamCounts } from './upstream.ts'

export interface BenchResults {
  date: string
  quick: boolean
  machine: Machine
  bundles: Bundles
  /** Whether workerd ran pinned to its own core (bench/workerd.ts). */
  pinned: boolean
  workerCpu?: WorkerCpuResult
  pureProxy?: PureProxyResult
  simulatedLimiter?: SimulatedLimiterResult
  fullReset?: FullResetResult
  move?: MoveResult
  webhook?: WebhookResult
  /** IAM calls each long-lived gateway made over all its load turns. */
  warmIam?: { gateway: string; iamCalls: number }[]
  iam?: IamResult
  coldStart?: ColdStartResult
  allPartitions?: AllPartitionsRun[]
  /** Cases that failed (the others still ran). */
  errors: { case: string; message: string }[]
  elapsedS: number
}

export const TARGET = {
  throughputVsHono: 0.8,
  throughputStretch: 0.9,
  p99VsRaw: 1.2,
  addedP50Ms: 5,
  addedP99Ms: 15,
  warmIamPerGateway: 1,
  coldIam: 2,
  coldStartVsHono: 1.5,
  addedCpuUs: CPU_TARGET_ADDED_US,
  gzipKiB: 64,
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
const fixed = (value: number, digits: number) =>
  Number.isNaN(value) ? 'n/a' : value.toFixed(digits)
/** `median (min–max)`, the spread over rounds; just the median when there is one value. */
function show(s: Spread, digits = 2, unit = ''): string {
  const m = `${fixed(s.median, digits)}${unit}`
  return s.n > 1 ? `${m} (${fixed(s.min, digits)}–${fixed(s.max, digits)})` : m
}
const ms = (s: Spread) => show(s, 2, ' ms')
const x = (s: Spread) => show(s, 2, '×')
const us = (s: Spread) => show(s, 0, ' µs')
const signed = (s: Spread, unit: string, digits = 2) => {
  const f = (v: number) => (Number.isNaN(v) ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`)
  const m = `${f(s.median)}${unit}`
  return s.n > 1 ? `${m} (${f(s.min)} to ${f(s.max)})` : m
}

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n')
}

type Verdict = 'PASS' | 'MISS' | 'n/a' | '—'
const verdict = (pass: boolean | undefined): Verdict =>
  pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS'

interface TargetRow {
  target: string
  measured: string
  result: Verdict
}

function failuresNote(failures: number): string {
  return failures ? ` — ${failures} failed responses, not a verdict` : ''
}

export function targetRows(r: BenchResults): TargetRow[] {
  const rows: TargetRow[] = []
  const c = r.workerCpu
  if (c) {
    const failures = c.summary.reduce((n, s) => n + s.failures, 0)
    const hono = c.summary.find((s) => s.variant === 'hono')?.cpuUsPerRequest
    const gw = c.summary.find((s) => s.variant === 'gateway')?.cpuUsPerRequest
    rows.push({
      target: `Worker CPU per request, raw workerd: gateway adds ≤ ${TARGET.addedCpuUs} µs over bare Hono`,
      measured:
        `${signed(c.addedOverHono, ' µs', 0)} (${hono ? us(hono) : 'n/a'} → ${gw ? us(gw) : 'n/a'})` +
        failuresNote(failures),
      result: failures ? 'n/a' : verdict(c.addedOverHono.median <= TARGET.addedCpuUs),
    })
  }
  const p = r.pureProxy
  if (p) {
    const failures = p.summary.reduce((n, s) => n + s.failures, 0)
    const ratio = p.throughputVsHono.median
    rows.push({
      target: `Pure proxy throughput ≥ ${TARGET.throughputVsHono}× bare Hono (stretch ${TARGET.throughputStretch}×)`,
      measured: x(p.throughputVsHono) + failuresNote(failures),
      result: failures ? 'n/a' : verdict(ratio >= TARGET.throughputVsHono),
    })
    rows.push({
      target: `Pure proxy p99 ≤ ${TARGET.p99VsRaw}× raw passthrough`,
      measured: x(p.p99VsRaw) + failuresNote(failures),
      result: failures ? 'n/a' : verdict(p.p99VsRaw.median <= TARGET.p99VsRaw),
    })
  }
  const mv = r.move
  if (mv) {
    const failures = mv.gateway.failures + mv.hono.failures
    rows.push({
      target: `Time move of one partition, ${mv.upstreamMs} ms upstream: added p50 ≤ ${TARGET.addedP50Ms} ms`,
      measured: signed(mv.addedP50Ms, ' ms') + failuresNote(failures),
      result: failures ? 'n/a' : verdict(mv.addedP50Ms.median <= TARGET.addedP50Ms),
    })
    rows.push({
      target: `Time move of one partition, ${mv.upstreamMs} ms upstream: added p99 ≤ ${TARGET.addedP99Ms} ms`,
      measured: signed(mv.addedP99Ms, ' ms') + failuresNote(failures),
      result: failures ? 'n/a' : verdict(mv.addedP99Ms.median <= TARGET.addedP99Ms),
    })
  }
  const f = r.fullReset
  if (f?.available) {
    const d = f.delayed
    const failures = d.gateway.failures + d.hono.failures
    rows.push({
      target: `Full v2 reset, ${d.upstreamMs} ms upstream: added p50 ≤ ${TARGET.addedP50Ms} ms`,
      measured: signed(d.addedP50Ms, ' ms') + failuresNote(failures),
      result: failures ? 'n/a' : verdict(d.addedP50Ms.median <= TARGET.addedP50Ms),
    })
    rows.push({
      target: `Full v2 reset, ${d.upstreamMs} ms upstream: added p99 ≤ ${TARGET.addedP99Ms} ms`,
      measured: signed(d.addedP99Ms, ' ms') + failuresNote(failures),
      result: failures ? 'n/a' : verdict(d.addedP99Ms.median <= TARGET.addedP99Ms),
    })
  } else if (f) {
    rows.push({
      target: 'Full v2 reset: added p50 ≤ 5 ms / p99 ≤ 15 ms at 20 ms upstream',
      measured: `skipped: ${f.reason}`,
      result: 'n/a',
    })
  }
  if (r.warmIam) {
    const calls = r.warmIam.map((w) => w.iamCalls)
    rows.push({
      target: `IAM calls per warm gateway over all its load turns = ${TARGET.warmIamPerGateway}`,
      measured: r.warmIam.map((w) => `${w.iamCalls} (${w.gateway})`).join(', '),
      result: verdict(calls.every((n) => n === TARGET.warmIamPerGateway)),
    })
  }
  if (r.iam) {
    const s = r.iam.sequential
    rows.push({
      target: `IAM calls for ${PLAN.sequentialRequests} sequential requests = 1`,
      measured: `${s.iamCalls} (${s.requests} responses, ${s.failures} failed)`,
      result: verdict(s.iamCalls === 1 && s.failures === 0),
    })
    const worst = Math.max(...r.iam.coldBurst.map((c) => c.iamCalls))
    const non2xx = r.iam.coldBurst.reduce((n, c) => n + c.non2xx, 0)
    rows.push({
      target: `IAM calls for ${PLAN.coldBurst} concurrent cold requests over two instances ≤ ${TARGET.coldIam}`,
      measured:
        `${worst} worst of ${r.iam.coldBurst.length} fresh pair(s) ` +
        `(${r.iam.coldBurst.map((c) => c.iamCalls).join(', ')}); non-2xx: ${non2xx}`,
      result: verdict(worst <= TARGET.coldIam && non2xx === 0),
    })
  }
  if (r.coldStart) {
    const ratio = coldRatio(r.coldStart, (s) => s.firstResetMs)
    rows.push({
      target: `Cold start, raw workerd (spawn → first successful reset) ≤ ${TARGET.coldStartVsHono}× bare Hono`,
      measured: `${x(ratio)}: ${ms(r.coldStart.summary.gateway.firstResetMs)} vs ${ms(r.coldStart.summary.hono.firstResetMs)}`,
      result: verdict(ratio.median <= TARGET.coldStartVsHono),
    })
    const cpuRatio = coldRatio(r.coldStart, (s) => s.firstResetCpuUs)
    const cpuMs = (v: 'hono' | 'gateway') => {
      const s = r.coldStart?.summary[v].firstResetCpuUs
      return s ? `${fixed(s.median / 1000, 1)} ms` : 'n/a'
    }
    rows.push({
      target: `Cold start, workerd CPU spawn → first reset ≤ ${TARGET.coldStartVsHono}× bare Hono (noise-robust)`,
      measured: `${x(cpuRatio)}: ${cpuMs('gateway')} vs ${cpuMs('hono')} CPU`,
      result: verdict(cpuRatio.median <= TARGET.coldStartVsHono),
    })
  }
  rows.push({
    target: `Bundle ≤ ${TARGET.gzipKiB} KiB gzip`,
    measured: `${kib(r.bundles.gateway.gzipBytes)} (raw ${kib(r.bundles.gateway.rawBytes)})`,
    result: verdict(r.bundles.gateway.gzipBytes <= TARGET.gzipKiB * 1024),
  })
  return rows
}

/** Figures the issue asks for that have no pass/fail target. */
function figureRows(r: BenchResults): string[][] {
  const rows: string[][] = []
  const c = r.workerCpu
  if (c) {
    const cpu = (name: string) => c.summary.find((s) => s.variant === name)?.cpuUsPerRequest
    const [raw, hono, gw] = [cpu('raw'), cpu('hono'), cpu('gateway')]
    if (raw && hono && gw) {
      rows.push([
        'Worker CPU per request, raw workerd, light load (raw / bare Hono / gateway)',
        `${us(raw)} / ${us(hono)} / ${us(gw)}`,
      ])
    }
    rows.push(['Gateway ÷ bare Hono, CPU per request', x(c.ratioToHono)])
    rows.push(['Gateway log line (console.log vs a no-op sink), CPU', signed(c.logLine, ' µs', 0)])
  }
  const p = r.pureProxy
  if (p) {
    const cpu = (name: string) => p.summary.find((s) => s.variant === name)?.cpuUsPerRequest
    const [raw, hono, gw] = [cpu('raw'), cpu('hono'), cpu('gateway')]
    if (raw && hono && gw) {
      rows.push([
        'Pure proxy saturated, worker CPU per request (raw / bare Hono / gateway)',
        `${us(raw)} / ${us(hono)} / ${us(gw)}`,
      ])
    }
  }
  const f = r.fullReset
  if (f?.available) {
    for (const at of [f.instant, f.delayed]) {
      rows.push([
        `Full v2 reset, ${at.upstreamMs} ms upstream: CPU per request (bare Hono GET+DELETE / gateway)`,
        `${us(at.hono.cpuUsPerRequest)} / ${us(at.gateway.cpuUsPerRequest)}`,
      ])
      rows.push([
        `Full v2 reset, ${at.upstreamMs} ms upstream: added p50 / p99`,
        `${signed(at.addedP50Ms, ' ms')} / ${signed(at.addedP99Ms, ' ms')}`,
      ])
    }
  }
  const w = r.webhook
  if (w) {
    rows.push([
      `Webhook route vs bearer route, ${w.upstreamMs} ms upstream: added p50 / p99`,
      `${signed(w.addedP50Ms, ' ms')} / ${signed(w.addedP99Ms, ' ms')}`,
    ])
    rows.push([
      'Webhook route vs bearer route: added CPU per request',
      signed(w.cpuOverBearerUs, ' µs', 0),
    ])
  }
  for (const run of r.allPartitions ?? []) {
    rows.push([
      `partition_id=all, ${PLAN.allPartitions} partitions, ${PLAN.upstreamDelayMs} ms upstream, RESET_LEDGER=${run.ledger}`,
      run.available
        ? `${ms(run.measuredMs)} vs ideal ${run.idealMs} ms (${run.idealRoundTrips} round trips) = ` +
          `${fixed(run.measuredMs.median / run.idealMs, 2)}×`
        : `not measured: ${run.reason}`,
    ])
  }
  return rows
}

function summaryRows(s: VariantSummary): string[] {
  return [
    s.variant,
    show(s.requestsPerSecond, 0),
    ms(s.p50Ms),
    ms(s.p99Ms),
    us(s.cpuUsPerRequest),
    String(s.failures),
  ]
}

const SUMMARY_HEADER = ['Variant', 'Requests/s', 'p50', 'p99', 'Worker CPU / request', 'Failures']

function turnDescription(turn: Turn, upstreamMs: number, rounds = PLAN.rounds): string {
  const measured = turn.requests ? `${turn.requests} requests` : `${turn.durationS} s`
  return (
    `${turn.connections} connection(s), ${turn.warmupS} s warm-up + ${measured} measured ` +
    `per turn, ${rounds} rounds, upstream ${upstreamMs} ms per DIS call`
  )
}

function workerCpuSection(c: WorkerCpuResult, pinned: boolean): string {
  const calls = Object.entries(c.calls)
    .map(([name, k]) => `${name} ${k.deletes.toFixed(2)} DELETE`)
    .join(', ')
  return `### Worker CPU per request, as Cloudflare bills it (raw workerd)

The pure-proxy request (\`RESET_LEDGER=off\`, one DELETE). Each worker in its own raw workerd
(no Miniflare${pinned ? ', pinned to core 0 with the load generator and upstream on core 1' : ', NOT pinned: fewer than 2 cores'}), every side sending the same
4 KiB IAM token; ${turnDescription(c.turn, 0, c.rounds)}, the order of the variants rotating every round.
CPU = workerd's own scheduler time (all threads) over the turn, per request sent. Upstream calls
per request: ${calls}.

${table(SUMMARY_HEADER, c.summary.map(summaryRows))}

${table(
  ['Per round, then median', 'Value'],
  [
    ['**gateway − bare Hono (the added CPU)**', `**${signed(c.addedOverHono, ' µs', 0)}**`],
    ['gateway ÷ bare Hono', x(c.ratioToHono)],
    ['bare Hono − raw passthrough (the framework)', signed(c.honoOverRaw, ' µs', 0)],
    ['gateway − raw passthrough', signed(c.gatewayOverRaw, ' µs', 0)],
    ['gateway − gateway with console.log → no-op (the log line)', signed(c.logLine, ' µs', 0)],
  ]
)}`
}

function pureProxySection(p: PureProxyResult): string {
  const calls = Object.entries(p.calls)
    .map(([name, c]) => `${name} ${c.deletes.toFixed(2)} DELETE`)
    .join(', ')
  return `### Pure proxy (\`RESET_LEDGER=off\`) vs bare Hono vs raw passthrough

${turnDescription(PLAN.proxy, 0)}. Upstream calls per request: ${calls}.

${table(SUMMARY_HEADER, p.summary.map(summaryRows))}

${table(
  ['Ratio (per round, then median)', 'Value'],
  [
    ['gateway ÷ bare Hono, requests/s', x(p.throughputVsHono)],
    ['gateway ÷ raw, requests/s', x(p.throughputVsRaw)],
    ['gateway ÷ raw, p99', x(p.p99VsRaw)],
    ['gateway − bare Hono, CPU per request', signed(p.cpuVsHono, ' µs', 0)],
  ]
)}`
}

function simulatedLimiterSection(d: SimulatedLimiterResult): string {
  return `#### Diagnostic: Miniflare's simulated rate limiter

The gateway cases load the unmodified bundle behind \`bench/workers/gateway-entry.js\`, which
swaps the CLIENT_RATE_LIMITER binding for an in-memory counter: Miniflare simulates that binding
with a SQLite-backed Durable Object that writes on every call and answers one call at a time,
while Cloudflare's binding counts in memory at the edge. The same gateway with the simulator,
one connection, ${PLAN.diagnosticS} s (one round; not a verdict):

${table(SUMMARY_HEADER, [summaryRows(d.gateway), summaryRows(d.simulated)])}`
}

function fullResetAt(at: FullResetAtLatency, turn: Turn): string {
  const c = at.calls
  return `#### Upstream ${at.upstreamMs} ms per call

${turnDescription(turn, at.upstreamMs)}. Upstream calls per request: bare Hono ${c.hono.snapshots.toFixed(2)} GET + ${c.hono.deletes.toFixed(2)} DELETE, gateway ${c.gateway.snapshots.toFixed(2)} GET + ${c.gateway.deletes.toFixed(2)} DELETE.

${table(SUMMARY_HEADER, [summaryRows(at.hono), summaryRows(at.gateway)])}

${table(
  ['Gateway − bare Hono (per round, then median)', 'Value'],
  [
    ['added p50', signed(at.addedP50Ms, ' ms')],
    ['added p99', signed(at.addedP99Ms, ' ms')],
    ['added CPU per request', signed(at.cpuOverHonoUs, ' µs', 0)],
  ]
)}`
}

function fullResetSection(f: FullResetResult): string {
  const title = '### Full v2 reset (`RESET_LEDGER=on`) vs bare Hono making the same GET + DELETE'
  if (!f.available) return `${title}\n\nSkipped: ${f.reason}.`
  return `${title}

The gateway: ShowCheckpoint GET, ledger write (Durable Object), DELETE, ledger completion
(Durable Object). The bare Hono worker: the same GET (body parsed) and DELETE, nothing else.
The Durable Objects run in the same workerd process here, so their calls cost CPU but almost no
network time; on Cloudflare each is a round trip to the object's location.

${fullResetAt(f.instant, PLAN.resetInstant)}

${fullResetAt(f.delayed, PLAN.resetDelayed)}`
}

function dis(c: UpstreamCounts): string {
  return `${c.describe} DescribeStream, ${c.snapshot} ShowCheckpoint, ${c.cursor} GetCursor, ${c.records} GetRecords, ${c.commit} CommitCheckpoint`
}

function moveSection(mv: MoveResult): string {
  return `### Time move of one partition ("rewind 1 hour", \`POST /v1/resets\`) vs bare Hono making the same DIS calls

The gateway: DescribeStream, snapshot, GetCursor AT_TIMESTAMP, GetRecords, partition lease and
ledger entry (Durable Object), CommitCheckpoint, read-back, ledger outcome. The bare Hono worker:
the same DIS calls one after the other, nothing else. DIS calls per request, counted at the
upstream: bare Hono ${dis(mv.calls.hono)}; gateway ${dis(mv.calls.gateway)}.

${turnDescription(mv.turn, mv.upstreamMs)}.

${table(SUMMARY_HEADER, [summaryRows(mv.hono), summaryRows(mv.gateway)])}

${table(
  ['Gateway − bare Hono (per round, then median)', 'Value'],
  [
    ['added p50', signed(mv.addedP50Ms, ' ms')],
    ['added p99', signed(mv.addedP99Ms, ' ms')],
    ['added CPU per request', signed(mv.cpuOverHonoUs, ' µs', 0)],
  ]
)}`
}

function webhookSection(w: WebhookResult): string {
  return `### Webhook route vs bearer route (same gateway, \`RESET_LEDGER=off\`)

${turnDescription(PLAN.resetDelayed, w.upstreamMs)}. Each delivery is signed beforehand
(Standard Webhooks, scripts/webhook-signing.ts) with its own \`webhook-id\`, so every one is a
first delivery: signature check, JSON body, replay guard reserve + complete (two Durable Object
calls), then the same reset as the bearer route.

${table(SUMMARY_HEADER, [summaryRows(w.bearer), summaryRows(w.webhook)])}

${table(
  ['Webhook − bearer (per round, then median)', 'Value'],
  [
    ['added p50', signed(w.addedP50Ms, ' ms')],
    ['added p99', signed(w.addedP99Ms, ' ms')],
    ['added CPU per request', signed(w.cpuOverBearerUs, ' µs', 0)],
  ]
)}`
}

function iamSection(r: BenchResults): string {
  const lines: string[] = ['### IAM calls']
  if (r.warmIam) {
    lines.push(
      `\nIAM calls of each long-lived gateway of the load cases over its whole life (preflight, ` +
        `warm-ups and measured turns): ${r.warmIam.map((w) => `${w.gateway}: ${w.iamCalls}`).join('; ')}.`
    )
  }
  if (r.iam) {
    const s = r.iam.sequential
    lines.push(
      `\n- ${PLAN.sequentialRequests} sequential requests (one keep-alive connection, fresh ` +
        `gateway): ${s.iamCalls} IAM call(s), ${s.requests} responses, ${s.failures} failed.`
    )
    r.iam.coldBurst.forEach((c, i) => {
      lines.push(
        `- Cold burst ${i + 1}: ${c.perInstance[0]} + ${c.perInstance[1]} requests at once on ` +
          `two fresh instances sharing the Durable Objects: ${c.iamCalls} IAM call(s), ` +
          `${c.non2xx} non-2xx.`
      )
    })
    lines.push(`
"Two instances" are two workers in one workerd, each loading the gateway bundle into its own
V8 isolate (own module state, own token cache), with their Durable Object bindings pointing at
a third copy of the bundle that hosts the objects (\`scriptName\`). Two workerd processes cannot
share Durable Objects, and the token broker keeps its token in memory, so sharing one object
namespace inside one process is the faithful model of two isolates of one deployment.`)
  }
  return lines.join('\n')
}

function openapiCost(c: ColdStartResult): string {
  const of = (v: string) => c.samples.filter((s) => s.variant === v).map((s) => s.readyCpuUs)
  const raw = of('raw')
  const probe = of('raw + OpenAPI document')
  return signed(spread(probe.map((p, i) => (p - (raw[i] ?? Number.NaN)) / 1000)), ' ms CPU')
}

function coldStartSection(c: ColdStartResult): string {
  const variants = ['raw', 'raw + OpenAPI document', 'hono', 'gateway'] as const
  const cpu = (s: Spread) =>
    show({ ...s, median: s.median / 1000, min: s.min / 1000, max: s.max / 1000 }, 2, ' ms')
  const timeRows = variants.map((v) => {
    const s = c.summary[v]
    return [
      v,
      ms(s.firstResetMs),
      ms(s.readyMs),
      ms(s.resetMs),
      ms(s.beforeIamMs),
      ms(s.iamToDeleteMs),
      ms(s.afterDeleteMs),
      ms(s.warmResetMs),
    ]
  })
  const cpuRows = variants.map((v) => {
    const s = c.summary[v]
    return [
      v,
      cpu(s.readyCpuUs),
      cpu(s.resetCpuUs),
      cpu(s.healthCpuUs),
      cpu(s.resetAfterHealthCpuUs),
      ms(s.beforeIamAfterHealthMs),
      cpu(s.warmResetCpuUs),
    ]
  })
  const d = (pick: (s: ColdStartResult['samples'][number]) => number) =>
    signed(coldExcess(c, pick), ' ms')
  const dc = (pick: (s: ColdStartResult['samples'][number]) => number) =>
    signed(
      coldExcess(c, (s) => pick(s) / 1000),
      ' ms CPU'
    )
  return `### Cold start (raw workerd)

${c.starts} rounds; in each, every worker is started fresh twice (new workerd process, empty
Durable Object storage), the order rotating. Pure-proxy configuration; all three log in to IAM
on their first reset and send the same 4 KiB token; the bare Hono worker has the gateway's three
SQLite-backed Durable Object namespaces too, so only the bundle differs. The upstream stamps the
arrival of the IAM call and of the DELETE, which splits the first reset.

Start A, spawn → first reset (wall time):

${table(['Worker', 'Spawn → first reset', 'Spawn → listening', 'First reset', '… sent → IAM arrives', '… IAM answered → DELETE arrives', '… DELETE answered → response read', 'Warm reset'], timeRows)}

workerd CPU (scheduler time, all threads): at listening (boot + compiling and evaluating the
bundle), during the first reset; start B, during a first \`/healthz\` (configuration parsed,
app's first dispatch, no upstream) and the first reset after it:

${table(['Worker', 'CPU to listening', 'CPU first reset', 'CPU first /healthz (B)', 'CPU first reset after /healthz (B)', 'B: reset sent → IAM arrives', 'CPU warm reset'], cpuRows)}

Where the gateway's extra time goes (gateway − bare Hono, per round, then median):

${table(
  ['Part', 'Gateway − bare Hono'],
  [
    ['spawn → first reset', `${d((s) => s.firstResetMs)}; ${dc((s) => s.firstResetCpuUs)}`],
    [
      'spawn → listening (module compile + evaluation)',
      `${d((s) => s.readyMs)}; ${dc((s) => s.readyCpuUs)}`,
    ],
    [
      'first /healthz (configuration parse, first dispatch)',
      `${d((s) => s.healthMs)}; ${dc((s) => s.healthCpuUs)}`,
    ],
    [
      'first reset: sent → IAM arrives (routing, configuration, rate limiter, broker object created and called)',
      d((s) => s.beforeIamMs),
    ],
    [
      '… the same after /healthz (without the configuration parse)',
      d((s) => s.beforeIamAfterHealthMs),
    ],
    [
      'first reset: IAM answered → DELETE arrives (token back through the broker)',
      d((s) => s.iamToDeleteMs),
    ],
    ['first reset: DELETE answered → response read', d((s) => s.afterDeleteMs)],
    ['first reset CPU', dc((s) => s.resetCpuUs)],
  ]
)}

The OpenAPI document inlined in the bundle costs every cold start (raw + document − raw, CPU to
listening, per round, then median): ${openapiCost(c)}.`
}

function allPartitionsSection(runs: readonly AllPartitionsRun[]): string {
  const rows = runs.map((run) =>
    run.available
      ? [
          run.ledger,
          ms(run.measuredMs),
          `${run.idealMs} ms (${run.idealRoundTrips} round trips)`,
          `${fixed(run.measuredMs.median / run.idealMs, 2)}×`,
          `${run.perRequest.describe} / ${run.perRequest.snapshot} / ${run.perRequest.delete}`,
          String(run.maxInFlight),
        ]
      : [run.ledger, `not measured: ${run.reason}`, '', '', '', '']
  )
  return `### \`partition_id=all\`

${PLAN.allPartitions} ACTIVE partitions, every DIS call held ${PLAN.upstreamDelayMs} ms,
${PLAN.allSamples} sequential requests after a warm-up (median (min–max)). Ideal: one
DescribeStream, then ⌈${PLAN.allPartitions}/${PLAN.fanOut}⌉ waves of DELETEs at the fan-out of ${PLAN.fanOut}, and with
snapshots as many waves of GETs before them. WORKERS_SUBREQUEST_LIMIT=1000 (a Paid plan):
64 DIS calls are more than the Free plan's 50 subrequests, which the gateway refuses up front.

${table(
  [
    'RESET_LEDGER',
    'Measured',
    'Ideal',
    'Measured ÷ ideal',
    'DescribeStream / GET / DELETE per request',
    'Max DIS calls in flight',
  ],
  rows
)}`
}

function bundleRow(name: string, b: Bundle): string[] {
  return [name, kib(b.rawBytes), kib(b.gzipBytes)]
}

function turnsTable(turns: readonly (TurnResult & { case: string })[]): string {
  return table(
    ['Case', 'Round', 'Variant', 'Requests/s', 'p50', 'p99', 'CPU µs/req', 'Sent', 'Failures'],
    turns.map((t) => [
      t.case,
      t.round,
      t.variant,
      t.requestsPerSecond.toFixed(0),
      `${t.p50Ms.toFixed(2)} ms`,
      `${t.p99Ms.toFixed(2)} ms`,
      fixed(t.cpuUsPerRequest, 0),
      t.sent,
      t.failures,
    ])
  )
}

function allTurns(r: BenchResults) {
  const tag = (name: string, turns: readonly TurnResult[]) =>
    turns.map((t) => ({ ...t, case: name }))
  return [
    ...tag('pure proxy', r.pureProxy?.turns ?? []),
    ...(r.fullReset?.available
      ? [
          ...tag(`full reset ${r.fullReset.instant.upstreamMs} ms`, r.fullReset.instant.turns),
          ...tag(`full reset ${r.fullReset.delayed.upstreamMs} ms`, r.fullReset.delayed.turns),
        ]
      : []),
    ...tag('webhook vs bearer', r.webhook?.turns ?? []),
  ]
}

/**
 * What the README's Performance section quotes: the targets and figures, and how they were
 * measured, in a few lines (written to bench/.out/performance-snippet.md).
 */
export function renderReadmeSnippet(r: BenchResults): string {
  const m = r.machine
  const quick = r.quick ? '> QUICK run (short turns): a smoke test, not figures to quote.\n\n' : ''
  const minutes = Math.ceil(r.elapsedS / 60)
  return `${quick}\`npm run bench\` (about ${minutes} minute${minutes === 1 ? '' : 's'}, offline; see [bench/RESULTS.md](bench/RESULTS.md))
compares equal work in raw workerd (the binary with a generated configuration, no Miniflare;
each worker in its own process, pinned to its own core; every side sends the same 4 KiB IAM
token): worker CPU per request, the gateway's added CPU over a bare Hono worker as the headline;
the gateway as a pure proxy (\`RESET_LEDGER=off\`) against a bare Hono worker and a raw
\`fetch\` passthrough making the same DELETE; the full v2 reset against a bare Hono worker making the same GET + DELETE, with the
upstream answering at once and after ${PLAN.upstreamDelayMs} ms per call; the webhook route against the bearer
route; IAM calls; cold start; \`partition_id=all\`. Worker CPU is the workerd process's own CPU
time (\`/proc\`) per request, Durable Objects included. Medians of per-round figures over
${PLAN.cpuRounds} (CPU) or ${PLAN.rounds} alternating rounds, spread in brackets; ${m.cores} cores (${m.cpu}).

${table(
  ['Target', 'Measured', 'Result'],
  targetRows(r).map((t) => [t.target, t.measured, t.result])
)}

${table(['Figure', 'Measured'], figureRows(r))}
`
}

function errorsSection(r: BenchResults): string {
  if (r.errors.length === 0) return ''
  return `## Failed cases\n\n${r.errors.map((e) => `- ${e.case}: ${e.message}`).join('\n')}\n\n`
}

/** The part printed to the terminal. */
export function renderSummary(r: BenchResults): string {
  const targets = targetRows(r)
  const misses = targets.filter((t) => t.result === 'MISS').length
  return [
    ...r.errors.map((e) => `CASE FAILED: ${e.case}: ${e.message}`),
    table(
      ['Target', 'Measured: median (min–max over rounds)', 'Result'],
      targets.map((t) => [t.target, t.measured, t.result])
    ),
    table(['Figure', 'Measured: median (min–max over rounds)'], figureRows(r)),
    `${misses} target(s) missed${r.quick ? ' (QUICK run: short turns, not a verdict)' : ''}`,
  ].join('\n\n')
}

export function renderResults(r: BenchResults): string {
  const m = r.machine
  const sections = [
    r.workerCpu && workerCpuSection(r.workerCpu, r.pinned),
    r.pureProxy && pureProxySection(r.pureProxy),
    r.simulatedLimiter && simulatedLimiterSection(r.simulatedLimiter),
    r.fullReset && fullResetSection(r.fullReset),
    r.move && moveSection(r.move),
    r.webhook && webhookSection(r.webhook),
    (r.iam || r.warmIam) && iamSection(r),
    r.coldStart && coldStartSection(r.coldStart),
    r.allPartitions && allPartitionsSection(r.allPartitions),
  ].filter(Boolean)
  return `# Benchmark results

Generated by \`npm run bench\`${r.quick ? ' --quick (short turns: a smoke test, not a verdict)' : ''} on ${r.date} in ${r.elapsedS.toFixed(0)} s.
Do not edit by hand; rerun the benchmark instead. Numbers compare workers side by side on one
machine in one run, not absolute capacity: the load generator, the upstream and workerd share
the same cores. Every figure is the median over rounds with the spread (min–max) in brackets;
ratios and differences are taken round by round (same round, same machine conditions).

## Machine

- CPU: ${m.cpu}, ${m.cores} cores available, ${m.memoryGiB} GiB RAM
- OS: ${m.os}
- Node: ${m.node}
- workerd: ${m.workerd}; ${r.pinned ? 'each workerd pinned to core 0, the bench process (load generator, upstream) to core 1' : 'not pinned (fewer than 2 cores)'}

## Commands

\`\`\`sh
npm ci
npm run bench                      # node bench/run.ts: every case, writes this file
npm run bench -- --quick           # smoke test: short turns, writes bench/.out/RESULTS.quick.md
npm run bench -- --only=cpu,cold   # some cases (cpu, proxy, reset, webhook, iam, cold, all)
\`\`\`

What it does:

- Bundles as \`wrangler deploy\` would: \`wrangler deploy --dry-run --outdir bench/.out/gateway\`
  and \`--config bench/workers/hono-proxy.toml\` for the bare Hono worker; gzip with Node's zlib
  at its default level. The raw passthrough (\`bench/workers/raw.js\`) is loaded as is.
- One local upstream (\`bench/upstream-server.ts\`, \`node:http\` in a worker thread): IAM
  token (201 + X-Subject-Token), ShowCheckpoint GET (200 \`{"sequence_number":"10","metadata":""}\`),
  DeleteCheckpoint (204), DescribeStream; a fixed delay per DIS call (0 or ${PLAN.upstreamDelayMs} ms);
  counts every call.
- **Every figure comes from raw workerd** (\`bench/workerd.ts\`: the \`workerd\` binary from
  node_modules with a generated capnp configuration), except the "simulated rate limiter"
  diagnostic, which needs Miniflare. Miniflare would route every outbound \`fetch\` through its
  own \`outbound\` worker (about 150–190 µs of CPU per request on every side), which Cloudflare
  does not bill. Each worker runs in its own workerd, requests go straight to its socket.
- The gateway gets its Durable Objects from wrangler.jsonc, SQLite-backed (\`enableSql\`, stored
  on local disk, a fresh directory per start), and runs as the unmodified bundle behind
  \`bench/workers/gateway-entry.js\`, which stands in for the Rate Limiting binding (raw workerd
  has none; Miniflare's simulation writes SQLite on every call) with an in-memory fixed-window
  counter (limit ${BENCH_RATE_LIMIT.limit} per ${BENCH_RATE_LIMIT.period} s), as the binding counts in memory on Cloudflare.
- The upstream issues a 4 KiB IAM token; the bare Hono worker and the raw passthrough log in to
  IAM themselves on their first reset and send the same token.
- **Worker CPU per request** = the workerd process's scheduler time (nanoseconds, summed over
  \`/proc/<pid>/task/*/schedstat\`, all threads, the gateway's Durable Objects included) over
  the measured part of a turn (and 0.25 s for the requests still in flight to finish), divided
  by the requests sent. The worker's one log line per request goes to workerd's stdout, here
  /dev/null.
- autocannon drives the load; latency percentiles come from every 2xx response's own timing.

${errorsSection(r)}## Targets

${table(
  ['Target', 'Measured: median (min–max over rounds)', 'Result'],
  targetRows(r).map((t) => [t.target, t.measured, t.result])
)}

## Figures

${table(['Figure', 'Measured: median (min–max over rounds)'], figureRows(r))}

## Details

${sections.join('\n\n')}

### Bundles

${table(
  ['Worker', 'Raw', 'gzip'],
  [
    bundleRow('gateway', r.bundles.gateway),
    bundleRow('bare Hono', r.bundles.hono),
    bundleRow('raw passthrough (unbundled)', r.bundles.raw),
  ]
)}

## Every turn

${turnsTable(allTurns(r))}
`
}
