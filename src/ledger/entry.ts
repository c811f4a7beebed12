import type { MoveTarget } from '../model/move-target'
import type { ProblemCode } from '../problems'

/**
 * The reset ledger's entry (docs/api.md "Safety net"): what was reset, by whom, and where each
 * partition was before, so the reset can be undone. No secret ever enters it: ids, names and
 * positions only.
 *
 * `abandoned`: the entry was written but the request failed before sending any DELETE, so
 * nothing was changed (marked on a best-effort basis when the request fails).
 */
export type ResetStatus = 'in_progress' | 'completed' | 'partial' | 'failed' | 'abandoned'

export interface LedgerPartition {
  partition_id: string
  /** The snapshot taken just before the DELETE; `null` = nothing was committed. */
  previous_sequence_number: string | null
  /** Restored by undo along with the sequence number; kept, but not shown. */
  previous_metadata: string
  result: 'pending' | 'deleted' | 'committed' | 'unchanged' | 'failed'
  code?: ProblemCode
  /** A move only: the position P, the sequence number committed for it, and why (docs/api.md). */
  position?: string
  committed?: string
  evidence?: MoveEvidence | null
}

/** Why a move's partition got its position: the found record's time, a clamp, or no record. */
export interface MoveEvidence {
  record_timestamp?: string
  clamped_from?: string
  no_record_after?: string
  empty_batches?: number
}

export interface UndoPartition {
  partition_id: string
  result: 'restored' | 'skipped' | 'failed'
  code?: ProblemCode
}

export interface UndoRecord {
  undone_at: string
  client_id: string
  request_id: string
  status: 'completed' | 'partial' | 'failed'
  partitions: UndoPartition[]
}

/** Whether a reset held: a re-read of each partition RESET_VERIFY_SECONDS after its answer. */
export interface Verification {
  checked_at: string
  status: 'held' | 'overwritten' | 'unknown'
  partitions: { partition_id: string; sequence_number: string | null }[]
}

export interface LedgerEntry {
  reset_id: string
  /**
   * What the reset did to each partition: `delete` (DeleteCheckpoint) or `move`
   * (CommitCheckpoint to a position, `POST /v1/resets`).
   */
  kind: 'delete' | 'move'
  /** A move only: the validated `to` (and `out_of_range`) the caller asked for. */
  to?: MoveTarget
  out_of_range?: 'reject' | 'clamp'
  created_at: string
  client_id: string
  via: 'api' | 'webhook'
  delivery_id: string | null
  /** The gateway's own id of the request that reset (its log line has the same). */
  request_id: string
  /** The caller's own safe `X-Request-Id`, kept for correlation only; null without one. */
  client_request_id: string | null
  stream_name: string
  app_name: string
  /** The canonical partition id, or `all`. */
  partition_selector: string
  status: ResetStatus
  partitions: LedgerPartition[]
  undo: UndoRecord | null
  verification: Verification | null
}

/**
 * The entry as callers see it, the same in the list and alone: everything but the saved
 * metadata. Entries written before `kind`, `client_request_id` and `verification` existed are
 * shown with their defaults (a delete, no caller id, not verified).
 */
export function publicEntry(entry: LedgerEntry) {
  return {
    ...entry,
    kind: entry.kind ?? 'delete',
    client_request_id: entry.client_request_id ?? null,
    partitions: entry.partitions.map(({ previous_metadata: _, ...partition }) => partition),
    verification: entry.verification ?? null,
  }
}

/** `rst_` + 26 lowercase base32 characters of randomness (128 bits). */
export const RESET_ID = /^rst_[a-z2-7]{26}$/

/** A new reset id (RESET_ID): 26 random base32 characters from the platform CSPRNG. */
export function newResetId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  const bytes = crypto.getRandomValues(new Uint8Array(26))
  return `rst_${[...bytes].map((b) => alphabet[b & 31]).join('')}`
}

/**
 * The partitions an entry may have changed, for "undo refuses to go back past a newer reset"
 * (docs/api.md "Safety net"): every partition not known to have failed — unless nothing was changed
 * (`abandoned`) or the change was itself fully undone.
 */
export function changedPartitions(entry: LedgerEntry): string[] {
  if (entry.status === 'abandoned' || entry.undo?.status === 'completed') return []
  return entry.partitions
    .filter((p) => p.result !== 'failed' && p.result !== 'unchanged')
    .map((p) => p.partition_id)
}
