/**
 * `partition_id=all` over 32 partitions with every DIS call held for 20 ms, against the ideal
 * number of sequential round trips at the gateway's fan-out (5): one DescribeStream, then the
 * DELETEs in ⌈32 / 5⌉ waves — and with the ledger on, the snapshots in as many waves before them.
 * The fan-out the upstream actually saw in flight is reported next to it, not assumed.
 * WORKERS_SUBREQUEST_LIMIT is raised to a Paid plan's value: 32 snapshots + 32 DELETEs are more
 * than the Free plan's 50 subrequests per invocation, which the gateway refuses up front.
 */
import { type LedgerMode, PLAN } from '../config.ts'
import { once } from '../load.ts'
import { startWorker } from '../runtime.ts'
import { type Spread, spread } from '../stats.ts'
import { bearerReset, type Targets } from '../targets.ts'
import type { Upstream } from '../upstream.ts'

export type AllPartitionsRun =
  | { ledger: LedgerMode; available: false; reason: string }
  | {
      ledger: LedgerMode
      available: true
      measuredMs: Spread
      idealMs: number
      idealRoundTrips: number
      maxInFlight: number
      perRequest: { describe: number; snapshot: number; delete: number }
    }

const SUBREQUEST_LIMIT = 1000

export async function measureAllPartitions(
  targets: Targets,
  upstream: Upstream,
  ledgerModes: readonly LedgerMode[],
  progress: (line: string) => void
): Promise<AllPartitionsRun[]> {
  const latency = PLAN.upstreamDelayMs
  const waves = Math.ceil(PLAN.allPartitions / PLAN.fanOut)
  const runs: AllPartitionsRun[] = []
  for (const ledger of ledgerModes) {
    progress(`partition_id=all, ${PLAN.allPartitions} partitions, RESET_LEDGER=${ledger}`)
    upstream.setLatency(latency)
    upstream.setPartitions(PLAN.allPartitions)
    const gateway = await startWorker(
      targets.gateway({ ledger, subrequestLimit: SUBREQUEST_LIMIT })
    )
    try {
      // The probe doubles as the warm-up that fetches the IAM token.
      const probe = await once(gateway.origin, bearerReset('all'))
      if (probe.status !== 200) {
        runs.push({ ledger, available: false, reason: `answered ${probe.status}` })
        continue
      }
      upstream.reset()
      const times: number[] = []
      for (let i = 0; i < PLAN.allSamples; i++) {
        const { status, ms } = await once(gateway.origin, bearerReset('all'))
        if (status !== 200) throw new Error(`partition_id=all answered ${status} after a 200`)
        times.push(ms)
      }
      const counts = upstream.counts()
      const snapshots = counts.snapshot / PLAN.allSamples
      // With snapshots, the ideal has their waves too; without, only the DELETE waves.
      const roundTrips = 1 + waves * (snapshots > 0 ? 2 : 1)
      runs.push({
        ledger,
        available: true,
        measuredMs: spread(times),
        idealMs: roundTrips * latency,
        idealRoundTrips: roundTrips,
        maxInFlight: counts.disMaxInFlight,
        perRequest: {
          describe: counts.describe / PLAN.allSamples,
          snapshot: snapshots,
          delete: counts.disDelete / PLAN.allSamples,
        },
      })
    } finally {
      await gateway.dispose()
      upstream.setLatency(0)
      upstream.setPartitions(1)
    }
  }
  return runs
}
