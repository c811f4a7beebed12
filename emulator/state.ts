// The mutable world of one emulator instance: streams, partitions, apps, committed checkpoints.
import { createHash } from 'node:crypto'
import { canonicalPartitionId, parsePartitionId } from './partition-id.ts'
import {
  compact,
  earliestSequence,
  nextSequence,
  type RecordLog,
  seededLog,
  startProducer,
} from './records.ts'
import type { CheckpointRecord, PartitionStatus, Seed, SeedPartition, SeedStream } from './types.ts'

export interface Partition {
  number: number
  status: PartitionStatus
  hash_range: string
  /** The partition's records (virtual); its range is computed from them at the current time. */
  log: RecordLog
}

export interface Stream {
  name: string
  stream_id: string
  status: string
  stream_type: string
  data_type: string
  retention_period: number
  create_time: number
  last_modified_time: number
  partitions: Partition[]
}

export interface Checkpoint {
  sequence_number: string
  metadata: string
}

export interface World {
  seed: Seed
  /** The project that owns the streams (seed.projects[0]). */
  projectId: string
  streams: Map<string, Stream>
  apps: Set<string>
  /** key: checkpointKey(stream, app, partition number) */
  checkpoints: Map<string, Checkpoint>
  /** Added to Date.now() for every emulated time ("now" can be moved by the control API). */
  clockOffsetMs: number
}

export function worldNow(world: World): number {
  return Date.now() + world.clockOffsetMs
}

export const retentionMs = (stream: Stream) => stream.retention_period * 3_600_000

/** The partition's `[A : B]` now (A oldest retained, B next to be written), as BigInt. */
export function partitionRange(
  world: World,
  stream: Stream,
  p: Partition
): { earliest: bigint; next: bigint } {
  const now = worldNow(world)
  const earliest = earliestSequence(p.log, now, retentionMs(stream))
  compact(p.log, earliest, now)
  return { earliest, next: nextSequence(p.log, now) }
}

/** DescribeStream's `"[A : B]"`. */
export function rangeText(r: { earliest: bigint; next: bigint }): string {
  return `[${r.earliest} : ${r.next}]`
}

/** A sequence number from a seed or the control API: a safe integer or a decimal string. */
export function toSequence(v: unknown): bigint | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  if (typeof v === 'string' && /^\d{1,19}$/.test(v)) {
    const n = BigInt(v)
    return n <= 2n ** 63n - 1n ? n : null
  }
  return null
}

const HASH_MAX = 2n ** 63n - 1n

/** Splits the 0..2^63-1 key space like T14 (`[0 : 3074457345618258602]` for 3 partitions). */
function hashRange(i: number, n: number): string {
  const step = HASH_MAX / BigInt(n)
  const low = i === 0 ? 0n : BigInt(i) * step + BigInt(i)
  const high = i === n - 1 ? HASH_MAX : BigInt(i + 1) * step + BigInt(i)
  return `[${low} : ${high}]`
}

/** A stable 19-character id like T14's `8QM3Nt9YTLOwtUVYJhO`. */
function streamIdFor(name: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  const bytes = createHash('sha256').update(`stream:${name}`).digest()
  return Array.from(bytes.subarray(0, 19), (b) => alphabet[b % alphabet.length]).join('')
}

function buildStream(s: SeedStream, now: number): Stream {
  const specs: SeedPartition[] =
    typeof s.partitions === 'number'
      ? Array.from({ length: s.partitions }, () => ({ status: 'ACTIVE' as const }))
      : s.partitions
  return {
    name: s.name,
    stream_id: s.stream_id ?? streamIdFor(s.name),
    status: s.status ?? 'RUNNING',
    stream_type: s.stream_type ?? 'COMMON',
    data_type: s.data_type ?? 'BLOB',
    retention_period: s.retention_period ?? 24,
    create_time: s.create_time ?? 1593569685875,
    last_modified_time: s.last_modified_time ?? 1599050091026,
    partitions: specs.map((p, i) => ({
      number: i,
      status: p.status,
      hash_range: p.hash_range ?? hashRange(i, specs.length),
      log: seedLog(s.name, i, p, now),
    })),
  }
}

/** Records [A, B) spaced `record_interval_ms`, the newest `newest_record_age_ms` before now. */
function seedLog(stream: string, i: number, p: SeedPartition, now: number): RecordLog {
  const [lowRaw, highRaw] = p.sequence_number_range ?? [0, 100]
  const low = toSequence(lowRaw)
  const high = toSequence(highRaw)
  if (low === null || high === null || low > high) {
    throw new Error(`seed partition ${stream}/${i}: bad sequence_number_range`)
  }
  const interval = p.record_interval_ms ?? 1000
  const log = seededLog(low, high, interval, now - (p.newest_record_age_ms ?? 0))
  if (p.producer_interval_ms !== undefined) {
    const last = log.segments.at(-1)
    // The seeded records continue as a producer at the same spacing when they can.
    if (last && last.interval === p.producer_interval_ms && p.newest_record_age_ms === undefined) {
      last.count = null
    } else {
      startProducer(log, now, p.producer_interval_ms)
    }
  }
  return log
}

export function checkpointKey(stream: string, app: string, partition: number): string {
  return `${stream}\u0000${app}\u0000${partition}`
}

export function buildWorld(seed: Seed): World {
  const now = Date.now()
  const streams = new Map(seed.streams.map((s) => [s.name, buildStream(s, now)]))
  const checkpoints = new Map<string, Checkpoint>()
  for (const c of seed.checkpoints) {
    const n = parsePartitionId(c.partition_id, 'lenient')
    if (n === null)
      throw new Error(`seed checkpoint has an invalid partition_id: ${c.partition_id}`)
    checkpoints.set(checkpointKey(c.stream_name, c.app_name, n), {
      sequence_number: c.sequence_number,
      metadata: c.metadata,
    })
  }
  const projectId = seed.projects[0]?.id
  if (!projectId) throw new Error('seed needs at least one project')
  return { seed, projectId, streams, apps: new Set(seed.apps), checkpoints, clockOffsetMs: 0 }
}

export function listCheckpoints(world: World): CheckpointRecord[] {
  const out: CheckpointRecord[] = []
  for (const [key, cp] of world.checkpoints) {
    const [stream_name = '', app_name = '', n = '0'] = key.split('\u0000')
    out.push({
      stream_name,
      app_name,
      partition_id: canonicalPartitionId(Number(n)),
      ...cp,
    })
  }
  const order = (r: CheckpointRecord) =>
    `${r.stream_name}\u0000${r.app_name}\u0000${r.partition_id}`
  return out.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
}

/** Seeds arrive as JSON over the control API: check the parts the emulator relies on. */
export function validateSeed(seed: unknown): string[] {
  const errors: string[] = []
  if (typeof seed !== 'object' || seed === null) return ['seed must be an object']
  const s = seed as Record<string, unknown>
  for (const key of ['projects', 'users', 'streams', 'apps', 'checkpoints']) {
    if (!Array.isArray(s[key])) errors.push(`seed.${key} must be an array`)
  }
  if (typeof s.domain !== 'object' || s.domain === null)
    errors.push('seed.domain must be an object')
  if (Array.isArray(s.projects) && s.projects.length === 0) errors.push('seed.projects is empty')
  if (errors.length === 0) {
    try {
      buildWorld(seed as Seed)
    } catch (e) {
      errors.push(String((e as Error).message))
    }
  }
  return errors
}
