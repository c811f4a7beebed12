/**
 * Worker CPU per request as Cloudflare bills it, the headline figure: each worker in its own
 * raw workerd (bench/workerd.ts: no Miniflare outbound worker), pinned to one core with the load
 * generator and the upstream on the other, every side sending the same 4 KiB IAM token to DIS.
 * The pure-proxy request (`RESET_LEDGER=off`, one DELETE) at a light steady load, the same
 * number of requests in every turn, variants alternating with the order rotated each round.
 *
 * CPU is the workerd process's own (every thread, scheduler nanoseconds: bench/proc-cpu.ts),
 * so it includes what workerd does for the worker (HTTP parsing, the outbound connection),
 * the same on every side. The headline is the gateway's ADDED CPU over bare Hono: gateway −
 * Hono within each round (same machine conditions), then the median over rounds.
 *
 * `gateway, log → no-op` is the same gateway with console.log replaced by a no-op sink: the
 * difference is what handing its one log line per request to the runtime costs.
 */
import { PLAN } from '../config.ts'
import type { Instance } from '../runtime.ts'
import { bearerReset } from '../targets.ts'
import { alternate, callsPerResponse, compare, summarize, type Variant } from '../turns.ts'
import type { Upstream } from '../upstream.ts'

export const CPU_VARIANTS = ['raw', 'hono', 'gateway', 'gateway, log → no-op'] as const
type CpuVariant = (typeof CPU_VARIANTS)[number]

export const CPU_TARGET_ADDED_US = 150

export async function measureWorkerCpu(
  instances: Record<CpuVariant, Instance>,
  upstream: Upstream,
  progress: (line: string) => void
) {
  upstream.setLatency(0)
  const variants: Variant[] = CPU_VARIANTS.map((name) => ({
    name,
    instance: instances[name],
    origin: instances[name].origin,
    request: bearerReset(),
  }))
  const turns = await alternate(variants, PLAN.cpu, PLAN.cpuRounds, upstream, progress)
  const diff = (a: CpuVariant, b: CpuVariant) =>
    compare(turns, a, b, 'cpuUsPerRequest', 'difference')
  return {
    turn: PLAN.cpu,
    rounds: PLAN.cpuRounds,
    turns,
    summary: CPU_VARIANTS.map((name) => summarize(turns, name)),
    /** The headline: gateway − bare Hono, per round, then the median. */
    addedOverHono: diff('gateway', 'hono'),
    ratioToHono: compare(turns, 'gateway', 'hono', 'cpuUsPerRequest', 'ratio'),
    honoOverRaw: diff('hono', 'raw'),
    gatewayOverRaw: diff('gateway', 'raw'),
    logLine: diff('gateway', 'gateway, log → no-op'),
    calls: Object.fromEntries(CPU_VARIANTS.map((name) => [name, callsPerResponse(turns, name)])),
  }
}

export type WorkerCpuResult = Awaited<ReturnType<typeof measureWorkerCpu>>
