import { AppError } from '../errors/app-error'
import { canonicalPartitionId, partitionNumber } from '../validation/partition-id'
import type { UpstreamContext } from './context'
import { disCall } from './dis'

/** The largest page DescribeStream serves (docs/upstream.md § DescribeStream: `limit_partitions` 1–1000). */
const PAGE_SIZE = 1000
/** A page of 1000 partitions is ~150 KB of JSON; anything past this bound is not a real answer. */
const MAX_PAGE_BYTES = 1024 * 1024
/** Partitions a consumer can still read from, so a checkpoint can exist (README "partition_id=all"). */
const READABLE = new Set(['ACTIVE', 'DELETED'])

/**
 * Lists the readable partitions of a stream with DescribeStream
 * (`GET /v2/{project_id}/streams/{stream_name}`), following `has_more_partitions` with
 * `start_partitionId` = the last id of the previous page, so a server that answers in short
 * pages is handled. Same token, retry and deadline rules as the DELETE. Returns canonical ids
 * in partition order. EXPIRED (and CREATING) partitions are skipped.
 */
export async function listReadablePartitions(
  ctx: UpstreamContext,
  streamName: string
): Promise<string[]> {
  const readable = new Set<string>()
  let start: string | undefined
  // Each page costs a subrequest; the loop ends when the server says so, or when a page brings
  // nothing new (a server that keeps saying "more" without progress cannot trap us).
  for (;;) {
    // The name passed the ASCII allowlist (no `.` or `/`), so it cannot climb the path; encoding
    // is defence in depth.
    const url = new URL(
      `/v2/${ctx.config.projectId}/streams/${encodeURIComponent(streamName)}`,
      ctx.config.disEndpoint
    )
    url.searchParams.set('limit_partitions', String(PAGE_SIZE))
    if (start) url.searchParams.set('start_partitionId', start)
    const page = parsePage(
      (await disCall(ctx, { method: 'GET', url: url.href, maxBodyBytes: MAX_PAGE_BYTES })).body
    )
    for (const partition of page.partitions) {
      if (READABLE.has(partition.status)) readable.add(partition.id)
    }
    const last = page.partitions.at(-1)?.id
    if (!page.hasMore) break
    if (!last || (start !== undefined && partitionNumber(last) <= partitionNumber(start))) {
      throw malformed('DescribeStream paging made no progress')
    }
    start = last
  }
  return [...readable].sort((a, b) => partitionNumber(a) - partitionNumber(b))
}

interface Page {
  partitions: { id: string; status: string }[]
  hasMore: boolean
}

function parsePage(body: string): Page {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    throw malformed('DescribeStream answered with a body that is not JSON')
  }
  const record = json as { partitions?: unknown; has_more_partitions?: unknown } | null
  if (!record || !Array.isArray(record.partitions))
    throw malformed('DescribeStream answered without partitions')
  const partitions = record.partitions.map((item: unknown) => {
    const entry = item as { partition_id?: unknown; status?: unknown } | null
    const id = canonicalPartitionId(entry?.partition_id)
    if (!id || typeof entry?.status !== 'string')
      throw malformed('DescribeStream listed a malformed partition')
    return { id, status: entry.status }
  })
  return { partitions, hasMore: record.has_more_partitions === true }
}

function malformed(reason: string): AppError {
  return new AppError('upstream_error', { detail: 'DIS answered something unexpected', reason })
}
