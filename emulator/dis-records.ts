// GetCursor `GET /v2/{project_id}/cursors` and GetRecords `GET /v2/{project_id}/records`
// (docs/emulator.md § Cursors and records). Query names are hyphenated, as upstream's.
import { outOfRangeError } from './dis-checkpoints.ts'
import {
  type DisRequest,
  disError,
  findPartition,
  findStream,
  isReply,
  parsePartitionParam,
} from './dis-common.ts'
import type { Reply } from './http-util.ts'
import type { Instance } from './instance.ts'
import { firstAtOrAfter, maxBig, payloadOf, timestampOf } from './records.ts'
import { type Partition, partitionRange, retentionMs, type Stream, worldNow } from './state.ts'

const CURSOR_TYPES = [
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
  'TRIM_HORIZON',
  'LATEST',
  'AT_TIMESTAMP',
] as const

/** What a cursor holds. Upstream's happens to be base64 JSON too; clients must not rely on it. */
interface CursorState {
  project: string
  stream: string
  partition: number
  /** The next record to read. */
  seq: string
  /** Emulated ms after which GetRecords answers DIS.4225. */
  expires: number
}

function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

function decodeCursor(text: string): CursorState | null {
  if (text.length < 1 || text.length > 512 || !/^[A-Za-z0-9_-]+$/.test(text)) return null
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as CursorState
    const valid =
      typeof c.project === 'string' &&
      typeof c.stream === 'string' &&
      Number.isSafeInteger(c.partition) &&
      typeof c.seq === 'string' &&
      /^\d{1,19}$/.test(c.seq) &&
      typeof c.expires === 'number'
    return valid ? c : null
  } catch {
    return null
  }
}

function cursorFor(
  inst: Instance,
  projectId: string,
  stream: Stream,
  p: Partition,
  seq: bigint
): string {
  return encodeCursor({
    project: projectId,
    stream: stream.name,
    partition: p.number,
    seq: String(seq),
    expires: worldNow(inst.world) + inst.settings.cursor_ttl_seconds * 1000,
  })
}

/**
 * Checks in order: stream-name → cursor-type → sequence number / timestamp syntax → partition-id
 * syntax → stream → partition (DIS.4302 / DIS.4319) → range (DIS.4224) or retention (DIS.4300).
 */
export function getCursor(inst: Instance, r: DisRequest): Reply {
  const q = r.query
  const streamName = q.get('stream-name') ?? ''
  if (streamName === '') return disError(inst, 'DIS.4200', ['stream-name is required'])
  const type = q.get('cursor-type') || 'AT_SEQUENCE_NUMBER'
  if (!(CURSOR_TYPES as readonly string[]).includes(type)) {
    return disError(inst, 'DIS.4215', [type])
  }
  const byNumber = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER'
  const seqText = q.get('starting-sequence-number') ?? ''
  if (byNumber && !/^\d{1,19}$/.test(seqText)) {
    return disError(inst, 'DIS.4216', [seqText === '' ? 'null' : seqText])
  }
  const tsText = q.get('timestamp') ?? ''
  if (type === 'AT_TIMESTAMP' && !/^\d{1,15}$/.test(tsText)) {
    return disError(inst, 'DIS.4300', [`invalid timestamp: ${tsText === '' ? 'null' : tsText}`])
  }
  const rawPartition = q.get('partition-id') ?? undefined
  const n = parsePartitionParam(inst, rawPartition)
  if (isReply(n)) return n
  if (n === undefined) return disError(inst, 'DIS.4201', ['null'])
  const stream = findStream(inst, r.projectId, streamName)
  if (isReply(stream)) return stream
  const partition = findPartition(inst, stream, n)
  if (isReply(partition)) return partition

  const { earliest, next } = partitionRange(inst.world, stream, partition)
  let start: bigint
  if (type === 'TRIM_HORIZON') start = earliest
  else if (type === 'LATEST') start = next
  else if (type === 'AT_TIMESTAMP') {
    const now = worldNow(inst.world)
    const oldest = now - retentionMs(stream)
    const t = Number(tsText)
    if (t < oldest) {
      return disError(inst, 'DIS.4300', [
        `timestamp is expired, timestamp should be larger than ${oldest}`,
      ])
    }
    // The first record written at or after t; a future t gives B (what upstream does is open).
    const found = firstAtOrAfter(partition.log, t, now)
    start = maxBig(found, earliest)
  } else {
    const asked = BigInt(seqText)
    // AT needs A ≤ n ≤ B, AFTER A − 1 ≤ n ≤ B − 1; the message names the partition's [A][B].
    const at = type === 'AT_SEQUENCE_NUMBER' ? asked : asked + 1n
    if (at < earliest || at > next) return outOfRangeError(inst, seqText, earliest, next)
    start = at
  }
  return {
    status: 200,
    body: { partition_cursor: cursorFor(inst, r.projectId, stream, partition, start) },
  }
}

const DEFAULT_LIMIT = 1000
const MAX_LIMIT = 10000
const DEFAULT_MAX_FETCH_BYTES = 1024 * 1024

function positiveParam(raw: string | null, fallback: number, max: number): number | null {
  if (raw === null) return fallback
  const v = /^\d{1,10}$/.test(raw) ? Number(raw) : 0
  return v >= 1 && v <= max ? v : null
}

/**
 * Records from the cursor's position: at most `limit` (1–10000, default 1000) and
 * `max_fetch_bytes` of data (a first record larger than it is never returned: the batch is empty
 * and the next cursor stays put). `empty_record_batches` forces empty answers.
 */
export function getRecords(inst: Instance, r: DisRequest): Reply {
  const text = r.query.get('partition-cursor') ?? ''
  if (text === '') return disError(inst, 'DIS.4217', ['null'])
  const limit = positiveParam(r.query.get('limit'), DEFAULT_LIMIT, MAX_LIMIT)
  if (limit === null) return disError(inst, 'DIS.4200', [`limit must be in [1, ${MAX_LIMIT}]`])
  const maxBytes = positiveParam(
    r.query.get('max_fetch_bytes'),
    DEFAULT_MAX_FETCH_BYTES,
    2 ** 31 - 1
  )
  if (maxBytes === null) return disError(inst, 'DIS.4200', ['invalid max_fetch_bytes'])
  const cursor = decodeCursor(text)
  if (!cursor || cursor.project !== r.projectId) return disError(inst, 'DIS.4217', ['invalid'])
  const now = worldNow(inst.world)
  if (now > cursor.expires) return disError(inst, 'DIS.4225')
  const stream = findStream(inst, r.projectId, cursor.stream)
  if (isReply(stream)) return stream
  const partition = findPartition(inst, stream, cursor.partition)
  if (isReply(partition)) return partition
  const { earliest, next } = partitionRange(inst.world, stream, partition)
  const from = BigInt(cursor.seq)
  // The records under the cursor aged out while it was held.
  if (from < earliest) return disError(inst, 'DIS.4226', [cursor.seq])

  const records: Array<Record<string, unknown>> = []
  let seq = from
  if (inst.settings.empty_record_batches > 0) {
    inst.settings.empty_record_batches--
  } else {
    let bytes = 0
    while (seq < next && records.length < limit) {
      const data = payloadOf(stream.name, partition.number, seq)
      const size = Buffer.byteLength(data, 'base64')
      if (bytes + size > maxBytes) break
      bytes += size
      records.push({
        partition_key: `key-${seq % 16n}`,
        sequence_number: String(seq),
        data,
        timestamp: timestampOf(partition.log, seq, now),
        timestamp_type: 'CreateTime',
      })
      seq++
    }
  }
  return {
    status: 200,
    body: {
      records,
      next_partition_cursor: cursorFor(inst, r.projectId, stream, partition, seq),
    },
  }
}

/** The stream a GetRecords cursor points at, for fault rules (null when unreadable). */
export function cursorTarget(text: string | null): { stream: string; partition: string } | null {
  const c = text ? decodeCursor(text) : null
  return c ? { stream: c.stream, partition: String(c.partition) } : null
}
