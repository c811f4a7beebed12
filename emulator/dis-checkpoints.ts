// DIS checkpoint APIs (docs/upstream.md): § DeleteCheckpoint (T5–T10), § CommitCheckpoint and
// § ShowCheckpoint (T15).
// Validation order: required params → checkpoint_type → partition id syntax → stream → app →
// partition existence/expiry (syntax before lookups, as in T10's `abc` on an existing stream).
import {
  checkApp,
  checkCheckpointType,
  type DisRequest,
  disError,
  findPartition,
  findStream,
  isReply,
  parsePartitionParam,
  requireParam,
} from './dis-common.ts'
import { parseJson, type Reply } from './http-util.ts'
import type { Instance } from './instance.ts'
import { checkpointKey, type Partition, partitionRange, type Stream } from './state.ts'
import type { ShowMissingCheckpoint } from './types.ts'

const NO_CONTENT: Reply = { status: 204 }
const NOT_COMMITTED = 'DIS.4375' // "The app does not commit checkpoint"

/** The 200 answers a client must read as "no checkpoint" (Huawei's Kafka adapter accepts all three). */
const NO_CHECKPOINT_BODIES: Record<Exclude<ShowMissingCheckpoint, 'error'>, object> = {
  missing: {},
  empty: { sequence_number: '', metadata: '' },
  negative: { sequence_number: '-1', metadata: '' },
}

interface Target {
  stream: Stream
  app: string
  partition: Partition | undefined
}

function resolve(
  inst: Instance,
  projectId: string,
  p: Partial<Record<'stream_name' | 'app_name' | 'checkpoint_type' | 'partition_id', string>>,
  partitionRequired: boolean
): Target | Reply {
  const missing =
    requireParam(inst, 'stream_name', p.stream_name) ?? requireParam(inst, 'app_name', p.app_name)
  if (missing) return missing
  const typeError = checkCheckpointType(inst, p.checkpoint_type)
  if (typeError) return typeError
  const n = parsePartitionParam(inst, p.partition_id)
  if (isReply(n)) return n
  if (n === undefined && partitionRequired) return disError(inst, 'DIS.4201', ['null'])
  const stream = findStream(inst, projectId, p.stream_name ?? '')
  if (isReply(stream)) return stream
  const app = p.app_name ?? ''
  const appError = checkApp(inst, app)
  if (appError) return appError
  if (n === undefined) return { stream, app, partition: undefined }
  const partition = findPartition(inst, stream, n)
  return isReply(partition) ? partition : { stream, app, partition }
}

function queryParams(q: URLSearchParams) {
  const get = (k: string) => q.get(k) ?? undefined
  return {
    stream_name: get('stream_name'),
    app_name: get('app_name'),
    checkpoint_type: get('checkpoint_type'),
    partition_id: get('partition_id'),
  }
}

/** DELETE /v2/{project_id}/checkpoints → 204, empty body. */
export function deleteCheckpoint(inst: Instance, r: DisRequest): Reply {
  const p = queryParams(r.query)
  // T7 ⚠: omitting partition_id is undocumented → setting delete_without_partition
  if (p.partition_id === undefined && inst.settings.delete_without_partition === 'reject') {
    const missing = requireParam(inst, 'stream_name', p.stream_name)
    return missing ?? disError(inst, 'DIS.4201', ['null'])
  }
  const t = resolve(inst, r.projectId, p, false)
  if (isReply(t)) return t
  const { checkpoints } = inst.world
  let deleted = 0
  const numbers = t.partition ? [t.partition.number] : t.stream.partitions.map((x) => x.number)
  for (const n of numbers) {
    if (checkpoints.delete(checkpointKey(t.stream.name, t.app, n))) deleted++
  }
  // § DeleteCheckpoint [U]: deleting nothing is either idempotent or DIS.4375
  // (setting delete_missing_checkpoint)
  if (deleted === 0 && inst.settings.delete_missing_checkpoint === 'error') {
    return disError(inst, NOT_COMMITTED)
  }
  inst.consumers.changed(t.stream.name, t.app)
  return NO_CONTENT
}

/** GET /v2/{project_id}/checkpoints → 200 {sequence_number, metadata} (T15). */
export function showCheckpoint(inst: Instance, r: DisRequest): Reply {
  const t = resolve(inst, r.projectId, queryParams(r.query), true)
  if (isReply(t) || !t.partition) return isReply(t) ? t : disError(inst, 'DIS.4201', ['null'])
  const cp = inst.world.checkpoints.get(checkpointKey(t.stream.name, t.app, t.partition.number))
  if (cp)
    return { status: 200, body: { sequence_number: cp.sequence_number, metadata: cp.metadata } }
  // § ShowCheckpoint [U]: nothing committed → setting show_missing_checkpoint
  const answer = inst.settings.show_missing_checkpoint
  return answer === 'error'
    ? disError(inst, NOT_COMMITTED)
    : { status: 200, body: NO_CHECKPOINT_BODIES[answer] }
}

/** Strings as documented; integers are tolerated as a JSON binder would coerce them. */
function field(body: Record<string, unknown>, key: string): string | undefined | null {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v)
  return null
}

/** `Sequence_number out of range. [n][ should be within ][A][ ][B]` (§ GetCursor's text). */
export function outOfRangeError(inst: Instance, n: string, low: bigint, high: bigint): Reply {
  return disError(inst, 'DIS.4224', [n, ' should be within ', String(low), ' ', String(high)])
}

function checkCommitRange(inst: Instance, stream: Stream, p: Partition, seq: string): Reply | null {
  const mode = inst.settings.commit_range
  if (mode === 'off') return null
  const { earliest, next } = partitionRange(inst.world, stream, p)
  const [low, high] = mode === 'at' ? [earliest, next] : [earliest - 1n, next - 1n]
  const n = BigInt(seq)
  return n < low || n > high ? outOfRangeError(inst, seq, low, high) : null
}

/** POST /v2/{project_id}/checkpoints → 201, empty body (§ CommitCheckpoint, T15). */
export function commitCheckpoint(inst: Instance, r: DisRequest): Reply {
  if (r.body.trim() === '') return disError(inst, 'DIS.4202')
  const parsed = parseJson(r.body)
  const body = parsed.ok ? parsed.value : undefined
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return disError(inst, 'DIS.4300', ['request body is not a JSON object'])
  }
  const o = body as Record<string, unknown>
  const keys = ['stream_name', 'app_name', 'checkpoint_type', 'partition_id', 'sequence_number']
  const values: Record<string, string | undefined> = {}
  for (const key of [...keys, 'metadata']) {
    const v = field(o, key)
    if (v === null) return disError(inst, 'DIS.4300', [`${key} must be a string`])
    values[key] = v
  }
  const t = resolve(inst, r.projectId, values, true)
  if (isReply(t)) return t
  if (!t.partition) return disError(inst, 'DIS.4201', ['null'])
  const seq = values.sequence_number
  if (seq === undefined || seq === '')
    return disError(inst, 'DIS.4200', ['sequence_number is required'])
  if (!/^\d+$/.test(seq)) return disError(inst, 'DIS.4216', [seq])
  const metadata = values.metadata ?? ''
  if (metadata.length > 1000) return disError(inst, 'DIS.4200', ['metadata is longer than 1000'])
  // § CommitCheckpoint: sequence_number must be within the partition's valid range, else DIS.4224
  // with the bounds. Which range applies is open (setting commit_range): 'at' = [A, B], what a
  // consumer resuming AT its commit needs (Huawei's adapter commits last consumed + 1, up to B).
  const outOfRange = checkCommitRange(inst, t.stream, t.partition, seq)
  if (outOfRange) return outOfRange
  inst.world.checkpoints.set(checkpointKey(t.stream.name, t.app, t.partition.number), {
    sequence_number: seq,
    metadata,
  })
  if (!r.internal) inst.consumers.changed(t.stream.name, t.app)
  return { status: 201 }
}
