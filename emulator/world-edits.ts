// Direct edits of a running world through the control API: set checkpoints (a consumer committed
// behind the gateway's back) and move partition ranges (records aged out). Inputs arrive as JSON,
// so everything is checked; an edit with any error changes nothing.
import { canonicalPartitionId, parsePartitionId } from './partition-id.ts'
import { seededLog } from './records.ts'
import {
  checkpointKey,
  type Partition,
  partitionRange,
  rangeText,
  retentionMs,
  type Stream,
  toSequence,
  type World,
  worldNow,
} from './state.ts'
import type { CheckpointInput, PartitionRangeRecord, PartitionRangeUpdate } from './types.ts'

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export type Edit<T> = { ok: true; value: T } | { ok: false; errors: string[] }

export function lookupStream(
  world: World,
  name: unknown,
  at: string,
  errors: string[]
): Stream | null {
  if (typeof name !== 'string') {
    errors.push(`${at}.stream_name must be a string`)
    return null
  }
  const stream = world.streams.get(name)
  if (!stream) errors.push(`${at}.stream_name: no stream '${name}'`)
  return stream ?? null
}

/** Any form the lenient parser accepts; the partition must exist in the stream. */
export function lookupPartition(stream: Stream, raw: unknown, at: string, errors: string[]) {
  const n = typeof raw === 'string' ? parsePartitionId(raw, 'lenient') : null
  const partition: Partition | undefined = n === null ? undefined : stream.partitions[n]
  if (!partition) errors.push(`${at}.partition_id: no such partition in ${stream.name}`)
  return partition ?? null
}

/**
 * Sets (creates or overwrites) checkpoints as a consumer's CommitCheckpoint would, without the
 * upstream checks on the sequence number: tests may store a value outside the partition's range.
 */
export function setCheckpoints(world: World, body: unknown): Edit<number> {
  const list = isObject(body) ? body.checkpoints : undefined
  if (!Array.isArray(list)) return { ok: false, errors: ['body must be {"checkpoints": [...]}'] }
  const errors: string[] = []
  const writes: Array<[string, { sequence_number: string; metadata: string }]> = []
  list.forEach((item: unknown, i) => {
    const at = `checkpoints[${i}]`
    if (!isObject(item)) {
      errors.push(`${at} must be an object`)
      return
    }
    const c = item as Partial<Record<keyof CheckpointInput, unknown>>
    const stream = lookupStream(world, c.stream_name, at, errors)
    const partition = stream && lookupPartition(stream, c.partition_id, at, errors)
    if (typeof c.app_name !== 'string' || !world.apps.has(c.app_name)) {
      errors.push(`${at}.app_name: not an app of the world`)
    }
    if (typeof c.sequence_number !== 'string') errors.push(`${at}.sequence_number must be a string`)
    if (c.metadata !== undefined && typeof c.metadata !== 'string') {
      errors.push(`${at}.metadata must be a string`)
    }
    if (!stream || !partition || errors.length > 0) return
    writes.push([
      checkpointKey(stream.name, c.app_name as string, partition.number),
      { sequence_number: c.sequence_number as string, metadata: (c.metadata as string) ?? '' },
    ])
  })
  if (errors.length > 0) return { ok: false, errors }
  for (const [key, checkpoint] of writes) world.checkpoints.set(key, checkpoint)
  return { ok: true, value: writes.length }
}

/**
 * Moves `sequence_number_range` of one partition (or all of the stream's) to exactly [A : B]: the
 * records are replaced by B − A fresh ones written up to now (spaced to fit the retention window).
 * Stored checkpoints are kept as they are, as upstream keeps them: only a later CommitCheckpoint
 * or GetCursor is checked against the new range (DIS.4224), and DescribeStream reports it.
 */
export function setPartitionRange(world: World, body: unknown): Edit<PartitionRangeRecord[]> {
  if (!isObject(body)) return { ok: false, errors: ['body must be a JSON object'] }
  const u = body as Partial<Record<keyof PartitionRangeUpdate, unknown>>
  const errors: string[] = []
  const stream = lookupStream(world, u.stream_name, 'body', errors)
  const partition =
    stream && u.partition_id !== undefined
      ? lookupPartition(stream, u.partition_id, 'body', errors)
      : null
  const range = u.sequence_number_range
  const low = Array.isArray(range) && range.length === 2 ? toSequence(range[0]) : null
  const high = Array.isArray(range) && range.length === 2 ? toSequence(range[1]) : null
  if (low === null || high === null || low > high) {
    errors.push('body.sequence_number_range must be [low, high], int64, 0 ≤ low ≤ high')
  }
  if (!stream || errors.length > 0 || low === null || high === null) return { ok: false, errors }
  const targets = partition ? [partition] : stream.partitions
  const count = high - low
  const retention = retentionMs(stream)
  const interval = count === 0n ? 1000 : Math.min(1000, Math.floor(retention / 2 / Number(count)))
  for (const p of targets) p.log = seededLog(low, high, interval, worldNow(world))
  return { ok: true, value: rangeRecords(world, stream, targets) }
}

export function rangeRecords(
  world: World,
  stream: Stream,
  targets: readonly Partition[]
): PartitionRangeRecord[] {
  return targets.map((p) => ({
    partition_id: canonicalPartitionId(p.number),
    sequence_number_range:
      p.status === 'EXPIRED' ? null : rangeText(partitionRange(world, stream, p)),
  }))
}
