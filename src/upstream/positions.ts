import { canonicalPartitionId, partitionNumber } from '../model/checkpoint-target'
import { parseSequenceRange, type SequenceRange } from '../model/positions'
import { AppError } from '../problems'
import type { UpstreamContext } from './context'
import { disCall } from './dis'

/**
 * What a move reads besides checkpoints (docs/upstream.md): each partition's retained range from
 * DescribeStream's `sequence_number_range`, and for time targets the first record written at or
 * after T (GetCursor `AT_TIMESTAMP`, then GetRecords). Only a record's `sequence_number` and
 * `timestamp` are ever read: its `data` is customer data, never kept, logged or returned.
 */

/** One partition as DescribeStream lists it. */
export interface PartitionRange {
  partition_id: string
  status: string
  /** `null` for an EXPIRED partition (no readable records). */
  range: SequenceRange | null
}

const PAGE_SIZE = 1000
const MAX_PAGE_BYTES = 1024 * 1024
const READABLE = new Set(['ACTIVE', 'DELETED'])

/**
 * The ranges of one partition (`start_partitionId` = the previous id, `limit_partitions=1`: one
 * call) or of every readable partition (`all`: one page per 1 000 partitions). A named partition
 * DescribeStream does not list is `partition_not_found`, as DIS would say for its checkpoint.
 */
export async function describeRanges(
  ctx: UpstreamContext,
  streamName: string,
  selector: string
): Promise<PartitionRange[]> {
  if (selector !== 'all') {
    const n = partitionNumber(selector)
    const page = await describePage(ctx, streamName, n > 0 ? canonicalId(n - 1) : undefined, 1)
    const found = page.partitions.find((p) => p.partition_id === selector)
    if (!found || found.range === null) {
      throw new AppError('partition_not_found', {
        detail: `Stream ${streamName} has no readable partition ${selector}`,
      })
    }
    return [found]
  }
  const readable = new Map<string, PartitionRange>()
  let start: string | undefined
  for (;;) {
    const page = await describePage(ctx, streamName, start, PAGE_SIZE)
    for (const p of page.partitions) {
      if (READABLE.has(p.status) && p.range !== null) readable.set(p.partition_id, p)
    }
    const last = page.partitions.at(-1)?.partition_id
    if (!page.hasMore) break
    if (!last || (start !== undefined && partitionNumber(last) <= partitionNumber(start)))
      throw unexpected('DescribeStream paging made no progress')
    start = last
  }
  return [...readable.values()].sort(
    (a, b) => partitionNumber(a.partition_id) - partitionNumber(b.partition_id)
  )
}

function canonicalId(n: number): string {
  return canonicalPartitionId(n) as string
}

async function describePage(
  ctx: UpstreamContext,
  streamName: string,
  start: string | undefined,
  limit: number
): Promise<{ partitions: PartitionRange[]; hasMore: boolean }> {
  const url = new URL(
    `/v2/${ctx.config.projectId}/streams/${encodeURIComponent(streamName)}`,
    ctx.config.disEndpoint
  )
  url.searchParams.set('limit_partitions', String(limit))
  if (start) url.searchParams.set('start_partitionId', start)
  const { body } = await disCall(ctx, {
    method: 'GET',
    url: url.href,
    maxBodyBytes: MAX_PAGE_BYTES,
  })
  const json = parseJson(body, 'DescribeStream') as {
    partitions?: unknown
    has_more_partitions?: unknown
  } | null
  if (!json || !Array.isArray(json.partitions))
    throw unexpected('DescribeStream answered without partitions')
  const partitions = json.partitions.map((item: unknown): PartitionRange => {
    const entry = item as Record<string, unknown> | null
    const id = canonicalPartitionId(entry?.partition_id)
    const range = parseSequenceRange(entry?.sequence_number_range)
    if (!id || typeof entry?.status !== 'string' || !range.ok)
      throw unexpected('DescribeStream listed a malformed partition')
    return { partition_id: id, status: entry.status, range: range.range }
  })
  return { partitions, hasMore: json.has_more_partitions === true }
}

/** DIS.4300 with this text: T is older than the oldest retained record (docs/upstream.md). */
const TIMESTAMP_EXPIRED = /timestamp is expired/

/**
 * GetCursor `AT_TIMESTAMP` (query names hyphenated, T in milliseconds): a cursor at the first
 * record written at or after T, or `before_retention` when DIS answers DIS.4300 "timestamp is
 * expired". Any other DIS.4300 is unexpected (the gateway sends only valid 13-digit times).
 */
export async function timestampCursor(
  ctx: UpstreamContext,
  ref: { stream_name: string; partition_id: string },
  atMs: number
): Promise<string | 'before_retention'> {
  const query = new URLSearchParams({
    'stream-name': ref.stream_name,
    'partition-id': ref.partition_id,
    'cursor-type': 'AT_TIMESTAMP',
    timestamp: String(atMs),
  })
  const answer = await disCall(ctx, {
    method: 'GET',
    url: `${disUrl(ctx, 'cursors')}?${query}`,
    accept: ['DIS.4300'],
  })
  if (answer.acceptedCode) {
    if (TIMESTAMP_EXPIRED.test(messageOf(answer.body))) return 'before_retention'
    throw unexpected('GetCursor refused the timestamp')
  }
  const json = parseJson(answer.body, 'GetCursor') as { partition_cursor?: unknown } | null
  const cursor = json?.partition_cursor
  if (typeof cursor !== 'string' || cursor.length < 1 || cursor.length > 512)
    throw unexpected('GetCursor answered without a cursor')
  return cursor
}

/** The first record under a cursor: only its number and write time. */
export interface RecordStamp {
  sequence_number: bigint
  timestamp: number
}

/**
 * GetRecords with `limit=1`: the first record under `cursor`, or none and the cursor to try next
 * (DIS may answer an empty batch although records follow: the caller bounds its retries).
 */
export async function firstRecord(
  ctx: UpstreamContext,
  cursor: string
): Promise<{ record: RecordStamp } | { record: null; next: string | null }> {
  const query = new URLSearchParams({
    'partition-cursor': cursor,
    limit: '1',
    max_fetch_bytes: String(MAX_RECORD_BYTES),
  })
  const { body } = await disCall(ctx, {
    method: 'GET',
    url: `${disUrl(ctx, 'records')}?${query}`,
    maxBodyBytes: MAX_RECORDS_BODY,
  })
  const json = parseJson(body, 'GetRecords') as {
    records?: unknown
    next_partition_cursor?: unknown
  } | null
  if (!json || !Array.isArray(json.records)) throw unexpected('GetRecords answered without records')
  const first = json.records[0] as Record<string, unknown> | undefined
  if (first === undefined) {
    const next = json.next_partition_cursor
    return { record: null, next: typeof next === 'string' && next.length > 0 ? next : null }
  }
  // Only these two members are read; `data` stays in the discarded JSON value.
  const seq = first.sequence_number
  const timestamp = first.timestamp
  if (typeof seq !== 'string' || !/^[0-9]{1,19}$/.test(seq))
    throw unexpected('GetRecords listed a record without a sequence number')
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0)
    throw unexpected('GetRecords listed a record without a timestamp')
  return { record: { sequence_number: BigInt(seq), timestamp } }
}

/**
 * A record larger than `max_fetch_bytes` can never be fetched (docs/upstream.md): DIS records are
 * at most 1 MiB, so this always fetches the first one.
 */
const MAX_RECORD_BYTES = 1024 * 1024
/** One record of at most 1 MiB, base64 (4/3) plus its envelope. */
const MAX_RECORDS_BODY = 2 * 1024 * 1024

/** Built from the configured origin and project only, like every DIS URL. */
function disUrl(ctx: UpstreamContext, resource: 'cursors' | 'records'): string {
  return new URL(`/v2/${ctx.config.projectId}/${resource}`, ctx.config.disEndpoint).href
}

/** The message of a DIS error body, only to match a known text; never shown or logged. */
function messageOf(body: string): string {
  const json = parseJsonOrNull(body) as Record<string, unknown> | null
  const message = json?.message ?? json?.error_msg
  return typeof message === 'string' ? message : ''
}

function parseJsonOrNull(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return null
  }
}

function parseJson(body: string, what: string): unknown {
  const json = parseJsonOrNull(body)
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw unexpected(`${what} answered with a body that is not a JSON object`)
  return json
}

function unexpected(reason: string): AppError {
  return new AppError('upstream_error', { detail: 'DIS answered something unexpected', reason })
}
