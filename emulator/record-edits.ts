// Control-API edits of records and time: append records (chosen write times, or a count spaced
// evenly), start/stop a producer, age records out (move A), move the emulated clock.
// Inputs arrive as JSON, so everything is checked; an edit with any error changes nothing.
import { appendAt, appendSpaced, type RecordLog, startProducer, stopProducer } from './records.ts'
import { type Partition, type Stream, toSequence, type World, worldNow } from './state.ts'
import type { ClockReport, PartitionRangeRecord } from './types.ts'
import { type Edit, isObject, lookupPartition, lookupStream, rangeRecords } from './world-edits.ts'

const MAX_TIMESTAMPS = 10_000
const isMs = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

/** The stream and its partitions an edit targets (all of the stream's when partition_id is absent). */
function targets(
  world: World,
  body: Record<string, unknown>,
  errors: string[]
): { stream: Stream; partitions: Partition[] } | null {
  const stream = lookupStream(world, body.stream_name, 'body', errors)
  if (!stream) return null
  if (body.partition_id === undefined) return { stream, partitions: stream.partitions }
  const p = lookupPartition(stream, body.partition_id, 'body', errors)
  return p ? { stream, partitions: [p] } : null
}

/** Applies `op` to copies first, so an error on one partition leaves every partition unchanged. */
function applyAll(
  world: World,
  t: { stream: Stream; partitions: Partition[] },
  op: (log: RecordLog) => string | null
): Edit<PartitionRangeRecord[]> {
  const copies = t.partitions.map((p) => structuredClone(p.log))
  for (const [i, log] of copies.entries()) {
    const error = op(log)
    if (error) return { ok: false, errors: [`partition ${t.partitions[i]?.number}: ${error}`] }
  }
  t.partitions.forEach((p, i) => {
    p.log = copies[i] as RecordLog
  })
  return { ok: true, value: rangeRecords(world, t.stream, t.partitions) }
}

/**
 * `{stream_name, partition_id?, timestamps: [ms…]}` appends one record per write time;
 * `{stream_name, partition_id?, count, interval_ms?, last_at?}` appends `count` records spaced
 * `interval_ms` (default 0), the newest written at `last_at` (default now).
 */
export function appendRecords(world: World, body: unknown): Edit<PartitionRangeRecord[]> {
  if (!isObject(body)) return { ok: false, errors: ['body must be a JSON object'] }
  const errors: string[] = []
  const t = targets(world, body, errors)
  const now = worldNow(world)
  const { timestamps, count, interval_ms, last_at } = body
  if (timestamps !== undefined) {
    if (
      !Array.isArray(timestamps) ||
      timestamps.length > MAX_TIMESTAMPS ||
      !timestamps.every(isMs)
    ) {
      errors.push(`body.timestamps must be up to ${MAX_TIMESTAMPS} ms timestamps`)
    }
  } else {
    if (toSequence(count) === null) errors.push('body.count must be a non-negative integer')
    if (interval_ms !== undefined && !isMs(interval_ms)) errors.push('body.interval_ms must be ms')
    if (last_at !== undefined && !isMs(last_at)) errors.push('body.last_at must be ms')
  }
  if (!t || errors.length > 0) return { ok: false, errors }
  if (timestamps !== undefined)
    return applyAll(world, t, (log) => appendAt(log, now, timestamps as number[]))
  const n = toSequence(count) as bigint
  return applyAll(world, t, (log) =>
    appendSpaced(
      log,
      now,
      n,
      (interval_ms as number | undefined) ?? 0,
      (last_at as number | undefined) ?? now
    )
  )
}

/** `{stream_name, partition_id?, interval_ms: n | null}`: one record every n ms from now on, or stop. */
export function setProducer(world: World, body: unknown): Edit<PartitionRangeRecord[]> {
  if (!isObject(body)) return { ok: false, errors: ['body must be a JSON object'] }
  const errors: string[] = []
  const t = targets(world, body, errors)
  const interval = body.interval_ms
  if (interval !== null && !(isMs(interval) && interval > 0)) {
    errors.push('body.interval_ms must be a positive integer or null')
  }
  if (!t || errors.length > 0) return { ok: false, errors }
  const now = worldNow(world)
  return applyAll(world, t, (log) => {
    if (interval === null) stopProducer(log, now)
    else startProducer(log, now, interval as number)
    return null
  })
}

/**
 * `{stream_name, partition_id?, earliest}`: records below `earliest` age out now (A moves up to
 * it; it can never pass B, and a lower value than the current A changes nothing).
 */
export function trimRecords(world: World, body: unknown): Edit<PartitionRangeRecord[]> {
  if (!isObject(body)) return { ok: false, errors: ['body must be a JSON object'] }
  const errors: string[] = []
  const t = targets(world, body, errors)
  const earliest = toSequence(body.earliest)
  if (earliest === null) errors.push('body.earliest must be an int64 (decimal string or integer)')
  if (!t || errors.length > 0 || earliest === null) return { ok: false, errors }
  return applyAll(world, t, (log) => {
    if (earliest > log.cut) log.cut = earliest
    return null
  })
}

export function clockReport(world: World): ClockReport {
  return { now: worldNow(world), offset_ms: world.clockOffsetMs }
}

/** `{offset_ms}` sets the offset from real time; `{advance_ms}` adds to it (time never goes back). */
export function setClock(world: World, body: unknown): Edit<ClockReport> {
  if (!isObject(body)) return { ok: false, errors: ['body must be a JSON object'] }
  const { offset_ms, advance_ms } = body
  if (advance_ms !== undefined) {
    if (!isMs(advance_ms)) return { ok: false, errors: ['body.advance_ms must be ms ≥ 0'] }
    world.clockOffsetMs += advance_ms
  } else if (Number.isSafeInteger(offset_ms)) {
    world.clockOffsetMs = offset_ms as number
  } else {
    return { ok: false, errors: ['body needs offset_ms (integer) or advance_ms'] }
  }
  return { ok: true, value: clockReport(world) }
}
