/** Turns the measurements into the verdict table and bench/RESULTS.md. */
import type { Bundle } from './build.ts'
import { PLAN } from './config.ts'
import type { IamResults } from './iam.ts'
import type { Machine } from './machine.ts'
import type { AllPartitionsResult } from './partitions.ts'
import { median, type Run, type Summary, type TargetName } from './throughput.ts'

export interface BenchResults {
  date: string
  machine: Machine
  bundles: { gateway: Bundle; hono: Bundle; rawBytes: number }
  /** First start of each target; the gateway's also includes every fresh start of the IAM cases. */
  startupMs: { raw: number; hono: number; gateway: number[] }
  runs: Run[]
  summary: Record<TargetName, Summary>
  iam: IamResults
  allPartitions: AllPartitionsResult
  elapsedS: number
}

const TARGET = {
  throughputVsHono: 0.9,
  p99VsRaw: 1.2,
  sequentialIam: 1,
  coldIam: 2,
  gzipKiB: 64,
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
const ms = (value: number) => `${value.toFixed(2)} ms`
const x = (ratio: number) => `${ratio.toFixed(2)}×`
const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS')

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n')
}

function comparisonTable(r: BenchResults): string {
  const { raw, hono, gateway } = r.summary
  const rounds = `median of ${PLAN.rounds}`
  return table(
    ['Metric', 'raw passthrough', 'bare Hono', 'gateway', 'gateway / raw', 'gateway / Hono'],
    [
      [
        `Requests/s (${rounds})`,
        raw.requestsPerSecond.toFixed(0),
        hono.requestsPerSecond.toFixed(0),
        gateway.requestsPerSecond.toFixed(0),
        x(gateway.requestsPerSecond / raw.requestsPerSecond),
        x(gateway.requestsPerSecond / hono.requestsPerSecond),
      ],
      [
        `p50 latency (${rounds})`,
        ms(raw.p50Ms),
        ms(hono.p50Ms),
        ms(gateway.p50Ms),
        x(gateway.p50Ms / raw.p50Ms),
        x(gateway.p50Ms / hono.p50Ms),
      ],
      [
        `p99 latency (${rounds})`,
        ms(raw.p99Ms),
        ms(hono.p99Ms),
        ms(gateway.p99Ms),
        x(gateway.p99Ms / raw.p99Ms),
        x(gateway.p99Ms / hono.p99Ms),
      ],
      [
        'Start-up (new Miniflare → first /healthz 200)',
        ms(r.startupMs.raw),
        ms(r.startupMs.hono),
        `${ms(median(r.startupMs.gateway))} (median of ${r.startupMs.gateway.length})`,
        '',
        '',
      ],
      [
        'Bundle, raw / gzip',
        `${kib(r.bundles.rawBytes)} (unbundled)`,
        `${kib(r.bundles.hono.rawBytes)} / ${kib(r.bundles.hono.gzipBytes)}`,
        `${kib(r.bundles.gateway.rawBytes)} / ${kib(r.bundles.gateway.gzipBytes)}`,
        '',
        '',
      ],
    ]
  )
}

function describeAllPartitions(result: AllPartitionsResult): string {
  if (!result.available) return `not available yet (gateway answers ${result.status})`
  const ratio = result.measuredMs / result.idealMs
  return (
    `${ms(result.measuredMs)} vs ideal ${ms(result.idealMs)} = ${x(ratio)} ` +
    `(fan-out ${result.concurrency}, ${result.describesPerRequest} DescribeStream + ` +
    `${result.deletesPerRequest} DELETE per request)`
  )
}

export function targetsTable(r: BenchResults): { markdown: string; misses: number } {
  const { raw, hono, gateway } = r.summary
  const throughput = gateway.requestsPerSecond / hono.requestsPerSecond
  const p99 = gateway.p99Ms / raw.p99Ms
  const seq = r.iam.sequential
  const coldWorst = Math.max(...r.iam.cold.map((c) => c.iamCalls))
  const coldAll = r.iam.cold.map((c) => c.iamCalls).join(', ')
  const gzip = r.bundles.gateway.gzipBytes / 1024
  // A run with failed responses measured something else than the happy path: no PASS from it.
  const failed = r.runs.reduce((n, run) => n + run.failures, 0)
  const note = failed ? ` (${failed} failed responses in the load runs)` : ''
  const rows: [string, string, boolean | undefined][] = [
    [
      `Throughput ≥ ${TARGET.throughputVsHono}× bare Hono`,
      x(throughput) + note,
      throughput >= TARGET.throughputVsHono && failed === 0,
    ],
    [
      `p99 ≤ ${TARGET.p99VsRaw}× raw passthrough`,
      x(p99) + note,
      p99 <= TARGET.p99VsRaw && failed === 0,
    ],
    [
      `IAM calls for ${PLAN.sequentialRequests} sequential requests = ${TARGET.sequentialIam}`,
      `${seq.iamCalls} (${seq.requests} responses, ${seq.failures} failed)`,
      seq.iamCalls === TARGET.sequentialIam && seq.failures === 0,
    ],
    [
      `IAM calls for ${PLAN.coldBurst} concurrent cold requests ≤ ${TARGET.coldIam}`,
      `${coldWorst} worst of ${r.iam.cold.length} fresh gateways (${coldAll}); ` +
        `non-200: ${r.iam.cold.reduce((n, c) => n + c.non200, 0)}`,
      coldWorst <= TARGET.coldIam && r.iam.cold.every((c) => c.non200 === 0),
    ],
    [
      `Bundle ≤ ${TARGET.gzipKiB} KiB gzip`,
      kib(r.bundles.gateway.gzipBytes),
      gzip <= TARGET.gzipKiB,
    ],
  ]
  const body = rows.map(([name, measured, pass]) => [
    name,
    measured,
    pass === undefined ? '—' : verdict(pass),
  ])
  body.push([
    `partition_id=all, ${PLAN.allPartitions} partitions, ${PLAN.allLatencyMs} ms upstream`,
    describeAllPartitions(r.allPartitions),
    '—',
  ])
  return {
    markdown: table(['Target', 'Measured', 'Result'], body),
    misses: rows.filter(([, , pass]) => pass === false).length,
  }
}

function diagnosticsTable(r: BenchResults): string {
  const { raw, hono, gateway, muted } = r.summary
  return table(
    [
      'Diagnostic (not a verdict)',
      'Requests/s',
      'p50',
      'p99',
      'vs raw (req/s, p99)',
      'vs Hono (req/s)',
    ],
    [
      [
        'gateway, console.log discarded in the isolate',
        muted.requestsPerSecond.toFixed(0),
        ms(muted.p50Ms),
        ms(muted.p99Ms),
        `${x(muted.requestsPerSecond / raw.requestsPerSecond)}, ${x(muted.p99Ms / raw.p99Ms)}`,
        x(muted.requestsPerSecond / hono.requestsPerSecond),
      ],
      [
        'share of gateway throughput lost to the local log transport',
        `${((1 - gateway.requestsPerSecond / muted.requestsPerSecond) * 100).toFixed(0)} %`,
        '',
        '',
        '',
        '',
      ],
    ]
  )
}

function runsTable(runs: readonly Run[]): string {
  return table(
    [
      'Round',
      'Target',
      'Requests/s',
      'p50',
      'p99',
      'Responses',
      'Failures',
      'DIS calls / response',
      'IAM calls',
    ],
    runs.map((run) => [
      run.round,
      run.target,
      run.requestsPerSecond.toFixed(0),
      ms(run.p50Ms),
      ms(run.p99Ms),
      run.responses,
      run.failures,
      run.disPerResponse.toFixed(2),
      run.iamCalls,
    ])
  )
}

/** The part printed to the terminal. */
export function renderTables(r: BenchResults): string {
  return `${comparisonTable(r)}\n\n${targetsTable(r).markdown}\n\n${diagnosticsTable(r)}\n`
}

export function renderResults(r: BenchResults): string {
  const m = r.machine
  return `# Benchmark results

Generated by \`npm run bench\` on ${r.date} in ${r.elapsedS.toFixed(0)} s. Do not edit by hand;
rerun the benchmark instead. Numbers are for comparing the targets side by side on one
machine in one run, not absolute capacity: the load generator, the upstream and workerd share
the same cores.

## Machine

- CPU: ${m.cpu}, ${m.cores} cores available, ${m.memoryGiB} GiB RAM
- OS: ${m.os}
- Node: ${m.node}
- workerd (through Miniflare): ${m.workerd}

## Commands

\`\`\`sh
npm ci
npm run bench        # node bench/run.ts
\`\`\`

What it does:

- \`wrangler deploy --dry-run --outdir bench/.out/gateway\` (the gateway, as deployed) and
  \`wrangler deploy --dry-run --config bench/workers/hono-proxy.toml --outdir bench/.out/hono\`;
  gzip size with Node's zlib at its default level.
- A local upstream (\`bench/upstream-server.ts\`, plain \`node:http\` in a worker thread) that
  answers the IAM token call (201) and the DIS DELETE (204) at once and counts calls.
- Three workers, each in its own Miniflare/workerd with request logging off, against that
  upstream: the raw passthrough (\`bench/workers/raw.js\`), the bare Hono proxy
  (\`bench/workers/hono-proxy.ts\`) and the gateway bundle; plus, for diagnosis only, the
  gateway bundle with console.log discarded.
- autocannon, ${PLAN.connections} connections, ${PLAN.warmupS} s warm-up + ${PLAN.durationS} s
  measured per turn, ${PLAN.rounds} rounds of raw → Hono → gateway → muted gateway; medians
  over rounds.
  Latency percentiles from every 2xx response's own timing.
- IAM calls: ${PLAN.sequentialRequests} sequential requests on one connection against a fresh
  gateway; ${PLAN.coldBurst} requests at once against each of ${PLAN.coldStarts} fresh gateways.

## Side by side

${comparisonTable(r)}

## Targets

${targetsTable(r).markdown}

## Diagnostics

The gateway writes one JSON log line per request with console.log. Under Miniflare each line
goes from workerd through a pipe to Node; on Cloudflare logs are collected outside the request
path. The row below runs a copy of the same bundle whose console.log does nothing (the record
is still built and serialized), to show how much of the gap is that local transport. The
verdicts above always use the unmodified bundle.

${diagnosticsTable(r)}

## Every run

${runsTable(r.runs)}
`
}
