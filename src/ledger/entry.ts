import type { ProblemCode } from '../errors/codes'

/**
 * The reset ledger's entry (README "Safety net"): what was reset, by whom, and where each
 * partition was before, so the reset can be undone. No secret ever enters it: ids, names and
 * positions only.
 */
export type ResetStatus = 'in_progress' | 'completed' | 'partial' | 'failed'

export interface LedgerPartition {
  partition_id: string
  /** The snapshot taken just before the DELETE; `null` = nothing was committed. */
  previous_sequence_number: string | null
  /** Restored by undo along with the sequence number; kept, but not shown. */
  previous_metadata: string
  result: 'pending' | 'deleted' | 'failed'
  code?: ProblemCode
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

export interface LedgerEntry {
  reset_id: string
  created_at: string
  client_id: string
  via: 'api' | 'webhook'
  delivery_id: string | null
  request_id: string
  stream_name: string
  app_name: string
  /** The canonical partition id, or `all`. */
  partition_selector: string
  status: ResetStatus
  partitions: LedgerPartition[]
  undo: UndoRecord | null
}

/** The entry as callers see it: everything but the saved metadata. */
export function publicEntry(entry: LedgerEntry) {
  return {
    ...entry,
    partitions: entry.partitions.map(({ previous_metadata: _, ...partition }) => partition),
  }
}

/** `rst_` + 26 lowercase base32 characters of randomness (128 bits). */
export const RESET_ID = /^rst_[a-z2-7]{26}$/

export function newResetId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  const bytes = crypto.getRandomValues(new Uint8Array(26))
  return `rst_${[...bytes].map((b) => alphabet[b & 31]).join('')}`
}
