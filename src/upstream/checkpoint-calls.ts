import { AppError } from '../errors/app-error'
import type { UpstreamContext } from './context'
import { type CheckpointRef, checkpointUrl, disCall, NOT_COMMITTED } from './dis'

/** A partition's checkpoint as the snapshot keeps it; `null` sequence = nothing committed. */
export interface CheckpointState {
  sequence_number: string | null
  metadata: string
}

/** DIS stores metadata of at most 1000 characters (docs/upstream.md § CommitCheckpoint). */
const MAX_METADATA = 1000
const SEQUENCE = /^[0-9]{1,20}$/

/**
 * ShowCheckpoint (docs/upstream.md § ShowCheckpoint, T15): `GET /v2/{project_id}/checkpoints`.
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
export function parseShowCheckpoint(body: string): CheckpointState {
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
 * CommitCheckpoint (docs/upstream.md § CommitCheckpoint): `POST /v2/{project_id}/checkpoints`
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
