/**
 * `partition_id=all` (reset every partition of a stream) against its ideal, once the gateway
 * supports it. The upstream reports 32 ACTIVE partitions and holds every DIS call for 50 ms, so
 * the floor is one DescribeStream round trip plus ⌈32 / fan-out⌉ rounds of DELETEs. The fan-out
 * is what the upstream actually saw in flight at once, not an assumption.
 */
import { gatewayBindings, PLAN, REQUEST_HEADERS, resetPath } from './config.ts'
import { startWorker } from './runtime.ts'
import { median } from './throughput.ts'
import { startUpstream } from './upstream.ts'

export type AllPartitionsResult =
  | { available: false; status: number }
  | {
      available: true
      measuredMs: number
      idealMs: number
      concurrency: number
      deletesPerRequest: number
      describesPerRequest: number
    }

const SAMPLES = 5

async function reset(origin: string): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  const response = await fetch(`${origin}${resetPath('all')}`, {
    method: 'DELETE',
    headers: REQUEST_HEADERS,
  })
  await response.arrayBuffer()
  return { status: response.status, ms: performance.now() - started }
}

export async function measureAllPartitions(scriptPath: string): Promise<AllPartitionsResult> {
  const upstream = await startUpstream({
    latencyMs: PLAN.allLatencyMs,
    partitions: PLAN.allPartitions,
  })
  const gateway = await startWorker({
    name: 'gateway',
    scriptPath,
    bindings: gatewayBindings(upstream.url),
  })
  try {
    // The probe doubles as the warm-up that fetches the IAM token.
    const probe = await reset(gateway.origin)
    if (probe.status !== 200) return { available: false, status: probe.status }
    upstream.reset()
    const times: number[] = []
    for (let i = 0; i < SAMPLES; i++) {
      const { status, ms } = await reset(gateway.origin)
      if (status !== 200) throw new Error(`partition_id=all answered ${status} after a 200`)
      times.push(ms)
    }
    const counts = upstream.counts()
    const concurrency = Math.max(1, counts.disMaxInFlight)
    return {
      available: true,
      measuredMs: median(times),
      idealMs: (Math.ceil(PLAN.allPartitions / concurrency) + 1) * PLAN.allLatencyMs,
      concurrency,
      deletesPerRequest: counts.disDelete / SAMPLES,
      describesPerRequest: counts.describe / SAMPLES,
    }
  } finally {
    await gateway.dispose()
    await upstream.close()
  }
}
