// The demo world every emulator starts with unless a seed is passed.
import { DEMO } from './demo.ts'
import { canonicalPartitionId } from './partition-id.ts'
import type { CheckpointRecord, Seed, SeedStream } from './types.ts'

export type { Seed, SeedPartition, SeedStream, SeedUser } from './types.ts'

function partitionCount(stream: SeedStream): number {
  return typeof stream.partitions === 'number' ? stream.partitions : stream.partitions.length
}

export function defaultSeed(): Seed {
  const streams: SeedStream[] = [
    { name: 'orders', partitions: 3 },
    { name: 'events', partitions: 12 },
    { name: 'big', partitions: 32 },
    {
      name: 'mixed',
      partitions: [
        { status: 'ACTIVE' },
        { status: 'ACTIVE' },
        { status: 'DELETED' },
        { status: 'EXPIRED' },
      ],
    },
  ]
  // One committed `billing` checkpoint everywhere, so deletes have an observable effect.
  const checkpoints: CheckpointRecord[] = streams.flatMap((s) =>
    Array.from({ length: partitionCount(s) }, (_, i) => ({
      stream_name: s.name,
      app_name: 'billing',
      partition_id: canonicalPartitionId(i),
      sequence_number: '10',
      metadata: '',
    }))
  )
  return {
    domain: { id: DEMO.domainId, name: DEMO.domainName },
    projects: [
      { id: DEMO.projectId, name: DEMO.projectName },
      // empty second project: a token scoped to it is refused on the demo project's URLs (T12)
      { id: DEMO.otherProjectId, name: 'cn-east-3' },
    ],
    users: [{ id: DEMO.userId, name: DEMO.userName, password: DEMO.password }],
    streams,
    apps: ['billing', 'analytics', 'audit'],
    checkpoints,
  }
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/**
 * The world of `npm run dev` and `npm run emulator`: defaultSeed() (unchanged, so everything the
 * tests rely on holds) plus streams whose records keep arriving while you watch:
 * - `payments` (4 partitions): one record every 2 s for the last 3 h, still being written;
 * - `clicks` (2): one a minute for the last 26 h under 24 h retention, so the oldest have aged
 *   out and A moves every minute;
 * - `ledger` (2): sequence numbers just below 2^53 (9007199254740992) that cross it within
 *   a minute: exact only as strings / BigInt.
 * `billing` has checkpoints inside each range (lagging behind B), `analytics` none.
 */
export function demoSeed(): Seed {
  const seed = defaultSeed()
  const live = (first: bigint, count: number, interval: number) => ({
    status: 'ACTIVE' as const,
    sequence_number_range: [String(first), String(first + BigInt(count))] as [string, string],
    record_interval_ms: interval,
    producer_interval_ms: interval,
  })
  const streams: SeedStream[] = [
    {
      name: 'payments',
      partitions: [0, 1, 2, 3].map((i) =>
        live(1_204_331n + BigInt(i) * 7_919n, (3 * HOUR) / 2000, 2000)
      ),
    },
    {
      name: 'clicks',
      partitions: [0, 1].map((i) => live(48_210n + BigInt(i) * 311n, (26 * HOUR) / MINUTE, MINUTE)),
    },
    {
      name: 'ledger',
      partitions: [0, 1].map((i) => live(2n ** 53n - 600n - BigInt(i) * 400n, 590, 5000)),
      retention_period: 72,
    },
  ]
  seed.streams.push(...streams)
  const behind: Record<string, bigint> = { payments: 1_800n, clicks: 30n, ledger: 100n }
  for (const s of streams) {
    const parts = s.partitions as Array<{ sequence_number_range: [string, string] }>
    parts.forEach((p, i) => {
      seed.checkpoints.push({
        stream_name: s.name,
        app_name: 'billing',
        partition_id: canonicalPartitionId(i),
        sequence_number: String(BigInt(p.sequence_number_range[1]) - (behind[s.name] ?? 0n)),
        metadata: '',
      })
    })
  }
  return seed
}
