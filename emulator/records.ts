// The records of one partition, virtual: a few arithmetic segments (start sequence number, first
// timestamp, spacing, count) instead of one entry per record, so "three hours at one record every
// two seconds" or a range near 2^63 costs a few numbers. Sequence numbers are int64: BigInt here,
// decimal strings on the wire (docs/emulator.md § Records and time).
//
// A partition's `sequence_number_range` "[A : B]": B = the number the next record gets, A = the
// oldest retained record: max(the manual cut, the first record written within the retention
// window), and never above B.

/** B itself is an int64 on the wire, so the last record that can be written is INT64_MAX − 1. */
export const INT64_MAX = 2n ** 63n - 1n

export const maxBig = (a: bigint, b: bigint) => (a >= b ? a : b)
export const minBig = (a: bigint, b: bigint) => (a <= b ? a : b)

/** Records start, start+1, … written at t0, t0+interval, …; `count` null = still being written. */
export interface Segment {
  start: bigint
  t0: number
  interval: number
  /** null: an open producer, one record every `interval` ms from t0 up to "now". */
  count: bigint | null
}

export interface RecordLog {
  /** B when no segment remains (all records dropped after aging out). */
  base: bigint
  /** Records below this are gone whatever their age (control API "age out"). */
  cut: bigint
  segments: Segment[]
}

function segmentCount(s: Segment, now: number): bigint {
  if (s.count !== null) return s.count
  if (now < s.t0) return 0n
  return BigInt(Math.floor((now - s.t0) / s.interval)) + 1n
}

/** B: the sequence number the next written record gets. */
export function nextSequence(log: RecordLog, now: number): bigint {
  const last = log.segments.at(-1)
  return last ? last.start + segmentCount(last, now) : log.base
}

/** The first record written at or after `t` (B when none is). */
export function firstAtOrAfter(log: RecordLog, t: number, now: number): bigint {
  for (const s of log.segments) {
    const n = segmentCount(s, now)
    if (n === 0n) continue
    const lastTs = s.t0 + Number(n - 1n) * s.interval
    if (lastTs < t) continue
    if (t <= s.t0 || s.interval === 0) return s.start
    return s.start + BigInt(Math.ceil((t - s.t0) / s.interval))
  }
  return nextSequence(log, now)
}

/** A: the oldest retained record (equals B when nothing is retained). */
export function earliestSequence(log: RecordLog, now: number, retentionMs: number): bigint {
  const b = nextSequence(log, now)
  const first = log.segments[0]?.start ?? log.base
  const byAge = firstAtOrAfter(log, now - retentionMs, now)
  return minBig(maxBig(maxBig(first, log.cut), byAge), b)
}

/** Write time of record `seq` (ms), or null when the log never held it. */
export function timestampOf(log: RecordLog, seq: bigint, now: number): number | null {
  for (const s of log.segments) {
    const n = segmentCount(s, now)
    if (seq >= s.start && seq < s.start + n) return s.t0 + Number(seq - s.start) * s.interval
  }
  return null
}

/** The write time of the newest record, or null when there is none. */
function lastTimestamp(log: RecordLog, now: number): number | null {
  const last = log.segments.at(-1)
  if (!last) return null
  const n = segmentCount(last, now)
  return n === 0n ? null : last.t0 + Number(n - 1n) * last.interval
}

/** Drops segments wholly below A, so a log that keeps ageing out does not grow. */
export function compact(log: RecordLog, a: bigint, now: number): void {
  while (log.segments.length > 1) {
    const s = log.segments[0] as Segment
    if (s.start + segmentCount(s, now) > a) break
    log.segments.shift()
  }
}

/** Freezes an open producer at what it has written by `now`. */
export function stopProducer(log: RecordLog, now: number): void {
  const last = log.segments.at(-1)
  if (!last || last.count !== null) return
  last.count = segmentCount(last, now)
  if (last.count === 0n) {
    // Nothing written yet: drop it, keeping B in `base` should no segment remain.
    log.segments.pop()
    if (log.segments.length === 0) log.base = last.start
  }
}

/** One record every `interval` ms from `now` on (an open segment); replaces a running one. */
export function startProducer(log: RecordLog, now: number, interval: number): void {
  stopProducer(log, now)
  const start = nextSequence(log, now)
  log.segments.push({ start, t0: now, interval, count: null })
}

export type AppendError = string

/**
 * Appends records at the given write times (ascending, none before the newest record, none after
 * `now`: upstream timestamps are ingestion times). A running producer is frozen first.
 */
export function appendAt(
  log: RecordLog,
  now: number,
  times: readonly number[]
): AppendError | null {
  stopProducer(log, now)
  let prev = lastTimestamp(log, now)
  for (const t of times) {
    if (prev !== null && t < prev) return 'timestamps must not go back in time (ingestion order)'
    if (t > now) return 'timestamps must not be in the future'
    prev = t
  }
  const b = nextSequence(log, now)
  if (b + BigInt(times.length) > INT64_MAX) return 'sequence numbers would exceed int64'
  let next = b
  for (const t of times) {
    const last = log.segments.at(-1)
    const n = last ? segmentCount(last, now) : 0n
    // Extend the last segment when the new record continues its spacing.
    if (last && last.start + n === next) {
      const lastTs = last.t0 + Number(n - 1n) * last.interval
      if (n === 1n) {
        last.interval = t - last.t0
        last.count = 2n
        next++
        continue
      }
      if (t - lastTs === last.interval) {
        last.count = n + 1n
        next++
        continue
      }
    }
    log.segments.push({ start: next, t0: t, interval: 0, count: 1n })
    next++
  }
  return null
}

/**
 * `count` records spaced `interval` ms, the newest written at `lastAt`, as one segment.
 * Used by seeds and by the control API's append.
 */
export function appendSpaced(
  log: RecordLog,
  now: number,
  count: bigint,
  interval: number,
  lastAt: number
): AppendError | null {
  if (count === 0n) return null
  stopProducer(log, now)
  const t0 = lastAt - Number(count - 1n) * interval
  const prev = lastTimestamp(log, now)
  if (prev !== null && t0 < prev) return 'timestamps must not go back in time (ingestion order)'
  if (lastAt > now) return 'timestamps must not be in the future'
  const start = nextSequence(log, now)
  if (start + count > INT64_MAX) return 'sequence numbers would exceed int64'
  log.segments.push({ start, t0, interval, count })
  return null
}

/** A log whose retained range is exactly [a : b], records spaced `interval`, the newest at `lastAt`. */
export function seededLog(a: bigint, b: bigint, interval: number, lastAt: number): RecordLog {
  const log: RecordLog = { base: a, cut: a, segments: [] }
  const count = b - a
  if (count > 0n)
    log.segments.push({ start: a, t0: lastAt - Number(count - 1n) * interval, interval, count })
  return log
}

/** Small synthetic payload bytes of a record (never customer data). */
export function payloadOf(stream: string, partition: number, seq: bigint): string {
  return Buffer.from(`${stream}/${partition}/${seq}`).toString('base64')
}
