/**
 * Per-partition leases in the ledger object (docs/shared-state.md): a reset or an undo first
 * leases every `(stream, app, partition)` it targets, so a reset and an undo of one partition
 * can never interleave (an undo reading "no checkpoint" while a reset is between its snapshot
 * and its DELETE would otherwise commit a stale position over it, or vice versa).
 *
 * A lease is one row per partition, keyed by the partition (WITHOUT ROWID: the key is the row,
 * so taking a lease writes one row and no index). `holder` is the gateway's own request id;
 * `until` is the holder's deadline plus a margin, after which the lease counts as free even if
 * it was never released (the request died). Released leases are deleted, so the table holds
 * only partitions being worked on, plus the rare lease whose release was lost: that one is
 * replaced by the next lease of its partition, or deleted by the ledger's hourly sweep
 * (ledger-object.ts `alarm`).
 */
export const LEASES_SCHEMA = `CREATE TABLE IF NOT EXISTS leases (
  stream_name TEXT NOT NULL,
  app_name TEXT NOT NULL,
  partition_id TEXT NOT NULL,
  holder TEXT NOT NULL,
  until INTEGER NOT NULL,
  PRIMARY KEY (stream_name, app_name, partition_id)
) WITHOUT ROWID`

export interface LeaseTarget {
  stream_name: string
  app_name: string
}

/**
 * Leases every partition to `holder` until `until`, or none of them if another holder's lease
 * on any is still running. Must run inside the caller's synchronous transaction (no `await`
 * between the check and the insert). Partitions are passed as one JSON array, so a fan-out over
 * a thousand partitions stays within the bound-parameter limit.
 */
export function takeLeases(
  sql: SqlStorage,
  target: LeaseTarget,
  partitions: readonly string[],
  holder: string,
  now: number,
  until: number
): boolean {
  const ids = JSON.stringify(partitions)
  const busy = sql
    .exec(
      `SELECT 1 FROM leases WHERE stream_name = ? AND app_name = ?
         AND partition_id IN (SELECT value FROM json_each(?)) AND until > ? AND holder <> ? LIMIT 1`,
      target.stream_name,
      target.app_name,
      ids,
      now,
      holder
    )
    .toArray()
  if (busy.length > 0) return false
  sql.exec(
    `INSERT INTO leases (stream_name, app_name, partition_id, holder, until)
       SELECT ?, ?, value, ?, ? FROM json_each(?) WHERE true
       ON CONFLICT DO UPDATE SET holder = excluded.holder, until = excluded.until`,
    target.stream_name,
    target.app_name,
    holder,
    until,
    ids
  )
  return true
}

/** Deletes `holder`'s leases on these partitions (never another holder's). */
export function releaseLeases(
  sql: SqlStorage,
  target: LeaseTarget,
  partitions: readonly string[],
  holder: string
): void {
  sql.exec(
    `DELETE FROM leases WHERE stream_name = ? AND app_name = ?
       AND partition_id IN (SELECT value FROM json_each(?)) AND holder = ?`,
    target.stream_name,
    target.app_name,
    JSON.stringify(partitions),
    holder
  )
}
