import { canonicalPartitionId, partitionNumber } from '../model/checkpoint-target'
import { AppError } from '../problems'
import { attempt, type FetchLike } from './attempt'
import { classifyDis, classifyIdentityCheck } from './classify'
import type { TokenLease, UpstreamContext } from './context'
import { retrying } from './retry'

export interface CheckpointRef {
  stream_name: string
  app_name: string
  /** Canonical `shardId-NNNNNNNNNN`; nothing else is ever sent. */
  partition_id: string
}

/** DIS.4375 "The app does not commit checkpoint" (docs/upstream.md "DIS error codes"). */
const NOT_COMMITTED = 'DIS.4375'

/** The checkpoint query every DIS checkpoint API takes (docs/upstream.md T5, T15). */
function checkpointUrl(ctx: UpstreamContext, ref: CheckpointRef): string {
  // One template rather than URLSearchParams (which showed as ~8 µs per request in
  // `node bench/profile.ts`); every value is still percent-encoded, so none adds a parameter.
  const e = encodeURIComponent
  return `${ctx.config.checkpointsUrl}?stream_name=${e(ref.stream_name)}&app_name=${e(ref.app_name)}&checkpoint_type=LAST_READ&partition_id=${e(ref.partition_id)}`
}

/**
 * DeleteCheckpoint (docs/upstream.md T5): `DELETE /v2/{project_id}/checkpoints`.
 * The URL is built from the configured origin, the configured project id and percent-encoded
 * parameters, so no caller value can change host, path or the parameter set (OWASP API7).
 * Nothing from the caller's request is forwarded: the headers are built here from scratch.
 * `DIS.4375` (nothing committed) means there was nothing to delete: the reset is done, so a
 * repeated reset, or the retry of a partly failed `all`, succeeds.
 */
export async function deleteCheckpoint(ctx: UpstreamContext, ref: CheckpointRef): Promise<void> {
  await disCall(ctx, { method: 'DELETE', url: checkpointUrl(ctx, ref), accept: [NOT_COMMITTED] })
}

interface DisCall {
  method: 'GET' | 'POST' | 'DELETE'
  /** Built from the configured origin and project only (plus encoded parameters). */
  url: string
  body?: string
  maxBodyBytes?: number
  /** DIS error codes that mean success for this call (the body is then empty). */
  accept?: readonly string[]
}

interface DisAnswer {
  body: string
  /** The accepted DIS error code, when the call "succeeded" through one. */
  acceptedCode?: string
}

/**
 * One DIS call with the token dance (docs/api.md "How it behaves"): use the cached token; if DIS
 * rejects it, drop it, fetch a new one and retry — once. A token issued while this request was
 * running is already fresh: DIS rejecting it (or the one fetched after a rejection) means either
 * the gateway's own identity is refused or only this resource refuses it. ListStreams with the same
 * token tells which: if it refuses too, the breaker trips and later requests fail fast instead of
 * logging in again — the login storm that locks IAM users and gets the egress IP blacklisted; if it
 * accepts, only this request fails and everyone else carries on.
 */
export async function disCall(ctx: UpstreamContext, call: DisCall): Promise<DisAnswer> {
  const { deps } = ctx
  let refreshed = false
  let lease: TokenLease | undefined
  const verdict = await retrying(ctx, {
    maxAttempts: deps.policy.maxAttempts,
    once: async (timeoutMs) => {
      lease = await ctx.tokens.get(() => ctx.supply.issue(), ctx.deadline)
      if (ctx.stats.token !== 'fetch') ctx.stats.token = lease.source
      ctx.stats.attempts++
      const outcome = await attempt(
        deps.fetch,
        {
          url: call.url,
          method: call.method,
          headers: { 'X-Auth-Token': lease.token, 'Content-Type': 'application/json' },
          body: call.body,
        },
        Math.min(timeoutMs, ctx.deadline - deps.now()),
        call.maxBodyBytes
      )
      return classifyDis(outcome, deps.now(), call.accept)
    },
    onTokenRejected: async (error) => {
      const used = lease
      if (!used) return false
      // ListStreams accepted this very token within the cool-down: only this resource refuses
      // it. Dropping it would cost an IAM login per request on that resource.
      if (ctx.tokens.checked(used.token)?.verdict === 'accepted') throw resourceRefused(error)
      if (!refreshed && used.issuedAt < ctx.startedAt) {
        const known = await ctx.supply.dropped(used.token)
        if (known?.verdict === 'accepted') {
          ctx.tokens.record(used.token, known)
          throw resourceRefused(error)
        }
        ctx.tokens.invalidate(used.token)
        refreshed = true
        return true
      }
      // A fresh token refused: the identity, or only this resource? Ask a call no caller
      // chooses, once per cool-down (docs/shared-state.md).
      const check = await ctx.tokens.confirm(
        used.token,
        () => ctx.supply.confirm(used.token),
        ctx.deadline
      )
      if (check.verdict === 'accepted') throw resourceRefused(error)
      ctx.tokens.tripBreaker(error, check.until)
      return false
    },
  })
  return verdict.acceptedCode
    ? { body: verdict.body, acceptedCode: verdict.acceptedCode }
    : { body: verdict.body }
}

function resourceRefused(error: AppError): AppError {
  return new AppError('upstream_auth_failed', {
    upstream: error.options.upstream,
    detail: 'DIS refused the gateway token for this resource',
    reason: 'DIS rejected a fresh token; ListStreams accepted it, so the breaker stays closed',
  })
}

/**
 * ListStreams (`GET /v2/{project_id}/streams?limit=1`): any identity allowed to use DIS in the
 * project may call it.
 */
export function listStreamsUrl(config: { disEndpoint: string; projectId: string }): string {
  const url = new URL(`/v2/${config.projectId}/streams`, config.disEndpoint)
  url.searchParams.set('limit', '1')
  return url.href
}

/**
 * Is `token` refused as such, or only by one resource? One ListStreams attempt (no retry, no
 * token dance): a call no caller chooses, so no caller can make the gateway trip its own breaker.
 */
export async function checkIdentity(
  fetchImpl: FetchLike,
  url: string,
  token: string,
  timeoutMs: number
): Promise<'accepted' | 'refused'> {
  const outcome = await attempt(
    fetchImpl,
    { url, method: 'GET', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' } },
    timeoutMs
  )
  return classifyIdentityCheck(outcome)
}

/** A partition's checkpoint as the snapshot keeps it; `null` sequence = nothing committed. */
export interface CheckpointState {
  sequence_number: string | null
  metadata: string
}

/** DIS stores metadata of at most 1000 characters (docs/upstream.md "CommitCheckpoint"). */
const MAX_METADATA = 1000
const SEQUENCE = /^[0-9]{1,20}$/

/**
 * ShowCheckpoint (docs/upstream.md "ShowCheckpoint", T15): `GET /v2/{project_id}/checkpoints`.
 * "Nothing committed" has four answers in the wild and all mean `null`: a 200 whose
 * `sequence_number` is missing, empty or negative (Huawei's own Kafka adapter treats all three
 * so), and `DIS.4375`. A GET, so it is retried like the DELETE.
 */
export async function showCheckpoint(
  ctx: UpstreamContext,
  ref: CheckpointRef
): Promise<CheckpointState> {
  const answer = await disCall(ctx, {
    method: 'GET',
    url: checkpointUrl(ctx, ref),
    accept: [NOT_COMMITTED],
  })
  if (answer.acceptedCode) return { sequence_number: null, metadata: '' }
  return parseShowCheckpoint(answer.body)
}

/** Reads a ShowCheckpoint body; anything that is not one of the known shapes is a 502. */
function parseShowCheckpoint(body: string): CheckpointState {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    throw unexpected('ShowCheckpoint answered with a body that is not JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw unexpected('ShowCheckpoint answered with a body that is not an object')
  }
  const { sequence_number: raw, metadata: rawMetadata } = json as Record<string, unknown>
  const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw
  const metadata =
    typeof rawMetadata === 'string' && rawMetadata.length <= MAX_METADATA ? rawMetadata : ''
  if (text === undefined || text === null || text === '')
    return { sequence_number: null, metadata: '' }
  if (typeof text !== 'string') throw unexpected('ShowCheckpoint sequence_number is not a string')
  if (/^-[0-9]+$/.test(text)) return { sequence_number: null, metadata: '' }
  if (!SEQUENCE.test(text)) throw unexpected('ShowCheckpoint sequence_number is not a number')
  return { sequence_number: text, metadata }
}

/**
 * CommitCheckpoint (docs/upstream.md "CommitCheckpoint"): `POST /v2/{project_id}/checkpoints`
 * with the saved sequence number and metadata. Setting a checkpoint to a value is idempotent,
 * so it is retried like the DELETE. `DIS.4224` (the sequence number has aged out of the
 * partition) surfaces as `sequence_expired`.
 */
export async function commitCheckpoint(
  ctx: UpstreamContext,
  ref: CheckpointRef,
  state: { sequence_number: string; metadata: string }
): Promise<void> {
  const body = JSON.stringify({
    stream_name: ref.stream_name,
    app_name: ref.app_name,
    partition_id: ref.partition_id,
    sequence_number: state.sequence_number,
    metadata: state.metadata,
    checkpoint_type: 'LAST_READ',
  })
  await disCall(ctx, { method: 'POST', url: ctx.config.checkpointsUrl, body })
}

function unexpected(reason: string): AppError {
  return new AppError('upstream_error', { detail: 'DIS answered something unexpected', reason })
}

/**
 * The largest page DescribeStream serves (docs/upstream.md "DescribeStream": `limit_partitions`
 * 1–1000).
 */
const PAGE_SIZE = 1000
/** A page of 1000 partitions is ~150 KB of JSON; anything past this bound is not a real answer. */
const MAX_PAGE_BYTES = 1024 * 1024
/**
 * Partitions a consumer can still read from, so a checkpoint can exist (docs/api.md
 * "partition_id=all").
 */
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
