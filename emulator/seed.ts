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
