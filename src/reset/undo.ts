import type { ClientConfig } from '../config/types'
import { AppError } from '../errors/app-error'
import type { LedgerEntry, UndoPartition, UndoRecord } from '../ledger/entry'
import type { RequestLog } from '../logging/request-log'
import type { LedgerStore } from '../state/ledger'
import { commitCheckpoint, showCheckpoint } from '../upstream/checkpoint-calls'
import type { UpstreamContext } from '../upstream/context'
import { mapWithLimit } from '../upstream/fan-out'
import { mostSerious, partialCode } from './outcomes'
import { FAN_OUT } from './partitions'
import { recordUpstream } from './scope'
import { resetNotFound, visibleEntry } from './visible-entry'

export interface UndoInput {
  client: ClientConfig
  resetId: string
  force: boolean
  upstream: UpstreamContext
  requestId: string
  log: RequestLog
  ledger: LedgerStore
}

/** The undo lock outlives the request's deadline by this much, then lapses on its own. */
const LOCK_MARGIN_MS = 2_000

/**
 * `POST /v1/resets/{reset_id}/undo` (README "Safety net"): puts the snapshot back,
 * all-or-nothing for conflicts.
 * 1. Visibility as for reading (404 `reset_not_found`); `in_progress` → 409 `undo_conflict`;
 *    fully undone → 409 `already_undone` with the earlier undo.
 * 2. The ledger object locks the entry, so two undos of one reset never both commit.
 * 3. Partitions the reset deleted and that had a checkpoint are read again; if a consumer has
 *    committed since (not `null` any more), nothing is restored — 409 `undo_conflict` listing
 *    them — unless `force`. Partitions that had none are `skipped`: deleted is what they were.
 * 4. CommitCheckpoint puts each saved position back; `DIS.4224` → that partition `failed`
 *    with `sequence_expired`. A partial undo may be retried: restored partitions are not sent
 *    again.
 */
export async function performUndo(input: UndoInput): Promise<UndoRecord & { reset_id: string }> {
  const { ledger, upstream: ctx, log } = input
  const entry = await visibleEntry(ledger, input.client, input.resetId)
  log.reset_id = entry.reset_id
  log.stream = entry.stream_name
  log.app = entry.app_name
  if (entry.status === 'in_progress') {
    throw new AppError('undo_conflict', {
      detail: 'This reset is still in progress; nothing was restored',
      extensions: { reset_id: entry.reset_id },
    })
  }
  if (entry.undo?.status === 'completed') throw alreadyUndone(entry, entry.undo)

  const lock = await ledger.lockUndo(entry.reset_id, ctx.deadline - ctx.deps.now() + LOCK_MARGIN_MS)
  if (lock.state === 'absent') throw resetNotFound()
  if (lock.state === 'busy') {
    throw new AppError('undo_conflict', {
      detail: 'Another undo of this reset is running; nothing was restored by this one',
      headers: { 'Retry-After': '1' },
      extensions: { reset_id: entry.reset_id },
    })
  }
  let record: UndoRecord | null = null
  let errors: AppError[] = []
  try {
    const current = lock.entry
    if (current.undo?.status === 'completed') throw alreadyUndone(current, current.undo)
    ;({ record, errors } = await restore(input, current))
  } finally {
    await ledger.unlockUndo(entry.reset_id, record).catch(() => {
      log.reason = 'ledger: undo outcome not recorded (the lock lapses with its lease)'
    })
    recordUpstream(log, ctx)
  }
  if (record.status !== 'completed') throw partialUndo(entry.reset_id, record, errors)
  return { ...record, reset_id: entry.reset_id }
}

type Plan = { partition_id: string; sequence_number: string | null; metadata: string }

async function restore(
  input: UndoInput,
  entry: LedgerEntry
): Promise<{ record: UndoRecord; errors: AppError[] }> {
  const ctx = input.upstream
  const target = { stream_name: entry.stream_name, app_name: entry.app_name }
  const done = new Map(
    (entry.undo?.partitions ?? [])
      .filter((p) => p.result !== 'failed')
      .map((p) => [p.partition_id, p] as const)
  )
  const plan: Plan[] = entry.partitions
    .filter((p) => p.result === 'deleted')
    .map((p) => ({
      partition_id: p.partition_id,
      sequence_number: p.previous_sequence_number,
      metadata: p.previous_metadata,
    }))
  const toRestore = plan.filter((p) => p.sequence_number !== null && !done.has(p.partition_id))

  // All-or-nothing for conflicts: read first, commit nothing if a consumer has moved on.
  const current = await mapWithLimit(toRestore, FAN_OUT, (p) =>
    showCheckpoint(ctx, { ...target, partition_id: p.partition_id })
  )
  const moved = toRestore.flatMap((p, i) =>
    current[i]?.sequence_number === null
      ? []
      : [{ partition_id: p.partition_id, sequence_number: current[i]?.sequence_number ?? null }]
  )
  if (moved.length > 0 && !input.force) {
    throw new AppError('undo_conflict', {
      detail: `A consumer committed a new checkpoint on ${moved.length} partition(s) since the reset; nothing was restored. Stop the consumers, or undo with force=true to overwrite.`,
      extensions: { reset_id: entry.reset_id, conflicts: moved },
    })
  }

  const errors: AppError[] = []
  const committed = await mapWithLimit(toRestore, FAN_OUT, async (p): Promise<UndoPartition> => {
    try {
      await commitCheckpoint(
        ctx,
        { ...target, partition_id: p.partition_id },
        {
          sequence_number: p.sequence_number ?? '',
          metadata: p.metadata,
        }
      )
      return { partition_id: p.partition_id, result: 'restored' }
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      errors.push(error)
      return { partition_id: p.partition_id, result: 'failed', code: error.code }
    }
  })
  const byId = new Map(committed.map((p) => [p.partition_id, p]))
  const partitions = plan.map(
    (p): UndoPartition =>
      done.get(p.partition_id) ??
      byId.get(p.partition_id) ??
      ({ partition_id: p.partition_id, result: 'skipped' } as const)
  )
  const failed = partitions.some((p) => p.result === 'failed')
  const restored = partitions.some((p) => p.result === 'restored')
  const record: UndoRecord = {
    undone_at: new Date(ctx.deps.now()).toISOString(),
    client_id: input.client.id,
    request_id: input.requestId,
    status: !failed ? 'completed' : restored ? 'partial' : 'failed',
    partitions,
  }
  return { record, errors }
}

function partialUndo(resetId: string, record: UndoRecord, errors: AppError[]): AppError {
  const cause = mostSerious(errors)
  return new AppError(partialCode(cause), {
    detail:
      'Some partitions could not be restored; the others were. Retrying the undo sends only the partitions not yet restored.',
    headers: cause?.options.headers,
    upstream: cause?.options.upstream,
    extensions: { reset_id: resetId, undo: record },
  })
}

function alreadyUndone(entry: LedgerEntry, undo: UndoRecord): AppError {
  return new AppError('already_undone', {
    detail: 'This reset was already undone',
    extensions: { reset_id: entry.reset_id, undo },
  })
}
