import type { LedgerEntry, UndoPartition, UndoRecord } from '../ledger/entry'
import type { LedgerStore } from '../ledger/store'
import { mapWithLimit } from '../lib/concurrency'
import type { ClientConfig } from '../model/client'
import { AppError } from '../problems'
import type { UpstreamContext } from '../upstream/context'
import { commitCheckpoint, deleteCheckpoint, showCheckpoint } from '../upstream/dis'
import { resetNotFound, visibleEntry } from './read'
import {
  LEASE_MARGIN_MS,
  mostSerious,
  partialCode,
  partitionBusy,
  type ResetLog,
  recordUpstream,
} from './scope'
import { FAN_OUT } from './snapshot'

export interface UndoInput {
  client: ClientConfig
  resetId: string
  force: boolean
  upstream: UpstreamContext
  requestId: string
  log: ResetLog
  ledger: LedgerStore
  /** Charges the partitions this undo will send to the client's rate limit (429, nothing sent). */
  admit?: (partitions: number) => Promise<void>
}

/**
 * `POST /v1/resets/{reset_id}/undo` (docs/api.md "Safety net"): puts the snapshot back,
 * all-or-nothing for conflicts.
 * 1. Visibility as for reading (404 `reset_not_found`); fully undone → 409 `already_undone`
 *    with the earlier undo; `in_progress` → 409 `undo_conflict`, unless it has been stuck past
 *    the deadline plus the lease margin and `force` is set; nothing deleted (every DELETE
 *    failed, or `abandoned`) → 409 `undo_conflict` saying there is nothing to undo.
 * 2. The ledger object leases the entry's partitions (409 `partition_busy` while another reset
 *    or undo of one of them runs; nothing sent), so no reset or undo interleaves with this one.
 * 3. A newer reset still standing that changed one of the partitions → 409 `undo_conflict`
 *    naming it, unless `force`: undoing would go back past it.
 * 4. Partitions the reset deleted (every partition of a forced stuck entry) that had a
 *    checkpoint are read again; if a consumer has committed since (not `null` any more), nothing
 *    is restored — 409 `undo_conflict` listing them — unless `force`. Partitions that had none
 *    are `skipped`: deleted is what they were.
 * 5. CommitCheckpoint puts each saved position back; `DIS.4224` → that partition `failed`
 *    with `sequence_expired`. A partial undo may be retried: restored partitions are not sent
 *    again.
 * A move (`kind: "move"`) is undone the same way, partition by partition for those it
 * committed: the conflict check compares the current checkpoint with what the move committed
 * (not with `null`), the saved sequence number and metadata are committed back, and where the
 * snapshot had no checkpoint the one the move created is deleted (there is nothing to skip).
 * `unchanged` partitions were never touched and are not part of the undo.
 */
export async function performUndo(input: UndoInput): Promise<UndoRecord & { reset_id: string }> {
  const { ledger, upstream: ctx, log } = input
  const entry = await visibleEntry(ledger, input.client, input.resetId)
  log.reset_id = entry.reset_id
  log.stream = entry.stream_name
  log.app = entry.app_name
  refuseUnlessUndoable(entry, input)
  // An undo of an `all` reset sends a ShowCheckpoint and a CommitCheckpoint per partition: it
  // weighs on the rate limit as the reset did (docs/api.md "Per-client rate limit"), before the
  // leases are taken and before anything is sent.
  await input.admit?.(pendingRestores(entry).length)

  const holder = input.requestId
  const lock = await ledger.lockUndo(entry.reset_id, ctx.deadline + LEASE_MARGIN_MS, holder)
  if (lock.state === 'absent') throw resetNotFound()
  if (lock.state === 'busy') throw partitionBusy(entry)
  let record: UndoRecord | null = null
  let errors: AppError[] = []
  try {
    const current = lock.entry
    refuseUnlessUndoable(current, input)
    if (lock.newer.length > 0 && !input.force) {
      throw new AppError('undo_conflict', {
        detail: `A newer reset changed these partitions since (${lock.newer.join(', ')}); undoing this one would go back past it. Nothing was restored. Undo the newer reset first, or undo with force=true.`,
        extensions: { reset_id: entry.reset_id, newer_resets: lock.newer },
      })
    }
    ;({ record, errors } = await restore(input, current))
  } finally {
    await ledger.unlockUndo(entry.reset_id, record, holder).catch(() => {
      log.reason = 'ledger: undo outcome not recorded (the leases lapse on their own)'
    })
    recordUpstream(log, ctx)
  }
  if (record.status !== 'completed') throw partialUndo(entry.reset_id, record, errors)
  return { ...record, reset_id: entry.reset_id }
}

/** An entry `in_progress` for longer than this cannot still be running: its lease is over. */
function isStuck(entry: LedgerEntry, input: UndoInput): boolean {
  const { deps } = input.upstream
  const age = deps.now() - Date.parse(entry.created_at)
  return entry.status === 'in_progress' && age > deps.policy.deadlineMs + LEASE_MARGIN_MS
}

/** The refusals that need no upstream call, checked before and again under the leases. */
function refuseUnlessUndoable(entry: LedgerEntry, input: UndoInput): void {
  if (entry.undo?.status === 'completed') throw alreadyUndone(entry, entry.undo)
  if (entry.status === 'in_progress' && !(input.force && isStuck(entry, input))) {
    throw new AppError('undo_conflict', {
      detail: isStuck(entry, input)
        ? 'This reset never recorded its outcome; nothing was restored. Undo with force=true to read every partition and put back its snapshot.'
        : 'This reset is still in progress; nothing was restored',
      extensions: { reset_id: entry.reset_id },
    })
  }
  if (planOf(entry).length === 0) {
    throw new AppError('undo_conflict', {
      detail:
        entry.status === 'abandoned'
          ? `This reset stopped before ${entry.kind === 'move' ? 'committing any checkpoint' : 'sending any DELETE'}, so there is nothing to undo`
          : entry.kind === 'move'
            ? 'This move committed no checkpoint (every partition failed or was unchanged), so there is nothing to undo'
            : 'This reset deleted no checkpoint (every DELETE failed), so there is nothing to undo',
      extensions: { reset_id: entry.reset_id },
    })
  }
}

type Plan = {
  partition_id: string
  /** The saved checkpoint to put back; `null` = none (a move's undo deletes what it created). */
  sequence_number: string | null
  metadata: string
  /** What the reset left on the partition: `null` after a delete, `committed` after a move. */
  left: string | null
}

/**
 * The partitions an undo puts back: those the reset deleted or committed — and, for an entry
 * stuck `in_progress` (its outcome never recorded), every partition it may have changed.
 */
function planOf(entry: LedgerEntry): Plan[] {
  const isMove = entry.kind === 'move'
  const done = isMove ? 'committed' : 'deleted'
  const maybeChanged = entry.status === 'in_progress' ? [done, 'pending'] : [done]
  return entry.partitions
    .filter((p) => maybeChanged.includes(p.result))
    .map((p) => ({
      partition_id: p.partition_id,
      sequence_number: p.previous_sequence_number,
      metadata: p.previous_metadata,
      left: isMove ? (p.committed ?? null) : null,
    }))
}

/** Partitions an earlier partial undo already settled (`restored` or `skipped`). */
function restoredBefore(entry: LedgerEntry): Map<string, UndoPartition> {
  return new Map(
    (entry.undo?.partitions ?? [])
      .filter((p) => p.result !== 'failed')
      .map((p) => [p.partition_id, p] as const)
  )
}

/**
 * The partitions this undo reads and sends: saved positions not yet put back. A delete's
 * partitions without a saved checkpoint are already as they were; a move's are not (the move
 * created a checkpoint there, which the undo deletes).
 */
function pendingRestores(entry: LedgerEntry): Plan[] {
  const done = restoredBefore(entry)
  const isMove = entry.kind === 'move'
  return planOf(entry).filter(
    (p) => (isMove || p.sequence_number !== null) && !done.has(p.partition_id)
  )
}

async function restore(
  input: UndoInput,
  entry: LedgerEntry
): Promise<{ record: UndoRecord; errors: AppError[] }> {
  const ctx = input.upstream
  const target = { stream_name: entry.stream_name, app_name: entry.app_name }
  const done = restoredBefore(entry)
  const plan = planOf(entry)
  const toRestore = pendingRestores(entry)

  // All-or-nothing for conflicts: read first, commit nothing if a consumer has moved on.
  const current = await mapWithLimit(toRestore, FAN_OUT, (p) =>
    showCheckpoint(ctx, { ...target, partition_id: p.partition_id })
  )
  const moved = toRestore.flatMap((p, i) =>
    (current[i]?.sequence_number ?? null) === p.left
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
      const ref = { ...target, partition_id: p.partition_id }
      if (p.sequence_number === null) await deleteCheckpoint(ctx, ref)
      else
        await commitCheckpoint(ctx, ref, {
          sequence_number: p.sequence_number,
          metadata: p.metadata,
        })
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
