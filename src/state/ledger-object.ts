import { DurableObject } from 'cloudflare:workers'
import type { LedgerEntry, LedgerPartition, ResetStatus, UndoRecord } from '../ledger/entry'
import { type ExpiryAlarm, openExpiringStore } from './expiry-alarm'

/** At most one sweep of the ledger per hour (README "Shared state"). */
const LEDGER_SWEEP_MS = 3_600_000

export interface ListQuery {
  /** The caller's `allow` patterns (`stream/app`, `*`, `prefix*`): only those entries are seen. */
  allow: string[]
  stream_name?: string
  app_name?: string
  limit: number
  /** Entries older than this sequence number (from an opaque cursor). */
  before?: number
  now: number
}

export type UndoLock =
  | { state: 'locked'; entry: LedgerEntry }
  | { state: 'busy' }
  | { state: 'absent' }

/**
 * The reset ledger (README "Safety net"): one SQLite-backed object per deployment. Resets are
 * rare, operator-driven events (a few per day, a few thousand per retention period); one object
 * serves ~1 000 requests/s and 10 GB, far above that, and serialises undos of one entry for free.
 *
 * Rows are the entry as JSON plus the columns listing needs: `seq` (the rowid: a new row gets
 * a higher one than every row left) orders newest first and is the cursor; `(stream_name,
 * app_name, seq)` serves the filtered listing. Rows past `expires_at` count as absent
 * everywhere; a batched alarm deletes them through the `expires_at` index (expiry-alarm.ts), so
 * a sweep reads what it deletes, not the table (a reset writes 4 rows: the entry, its reset_id
 * key, its listing key, its expiry key).
 */
export class ResetLedger extends DurableObject<Env> {
  #sql: SqlStorage
  #alarm: ExpiryAlarm

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ;({ sql: this.#sql, alarm: this.#alarm } = openExpiringStore(ctx, LEDGER_SWEEP_MS, [
      `CREATE TABLE IF NOT EXISTS resets (
        seq INTEGER PRIMARY KEY,
        reset_id TEXT NOT NULL UNIQUE,
        stream_name TEXT NOT NULL,
        app_name TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        undo_lock_until INTEGER NOT NULL DEFAULT 0,
        entry TEXT NOT NULL
      )`,
      'CREATE INDEX IF NOT EXISTS resets_by_target ON resets (stream_name, app_name, seq)',
      // Sweeps find expired rows and the next expiry through this index (expiry-alarm.ts).
      'CREATE INDEX IF NOT EXISTS resets_by_expiry ON resets (expires_at)',
    ]))
  }

  /** Written durably before the first DELETE (the output gate holds the reply until it is). */
  async record(entry: LedgerEntry, expiresAt: number): Promise<void> {
    this.#sql.exec(
      'INSERT INTO resets (reset_id, stream_name, app_name, expires_at, entry) VALUES (?, ?, ?, ?, ?)',
      entry.reset_id,
      entry.stream_name,
      entry.app_name,
      expiresAt,
      JSON.stringify(entry)
    )
    await this.#alarm.ensure(expiresAt)
  }

  async complete(
    resetId: string,
    status: ResetStatus,
    partitions: LedgerPartition[]
  ): Promise<void> {
    this.#update(resetId, (entry) => ({ ...entry, status, partitions }))
  }

  async get(resetId: string, now: number): Promise<LedgerEntry | null> {
    const row = this.#sql
      .exec<{ entry: string }>(
        'SELECT entry FROM resets WHERE reset_id = ? AND expires_at > ?',
        resetId,
        now
      )
      .toArray()[0]
    return row ? (JSON.parse(row.entry) as LedgerEntry) : null
  }

  async list(
    query: ListQuery
  ): Promise<{ entries: LedgerEntry[]; last: number | null; more: boolean }> {
    const scope = allowClause(query.allow)
    if (!scope) return { entries: [], last: null, more: false }
    const where = ['expires_at > ?', scope.sql]
    const params: unknown[] = [query.now, ...scope.params]
    if (query.stream_name !== undefined) {
      where.push('stream_name = ?')
      params.push(query.stream_name)
    }
    if (query.app_name !== undefined) {
      where.push('app_name = ?')
      params.push(query.app_name)
    }
    if (query.before !== undefined) {
      where.push('seq < ?')
      params.push(query.before)
    }
    const rows = this.#sql
      .exec<{ seq: number; entry: string }>(
        `SELECT seq, entry FROM resets WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
        ...params,
        query.limit + 1
      )
      .toArray()
    const page = rows.slice(0, query.limit)
    return {
      entries: page.map((row) => JSON.parse(row.entry) as LedgerEntry),
      last: page.at(-1)?.seq ?? null,
      more: rows.length > query.limit,
    }
  }

  /**
   * Takes the entry's undo lock for `leaseMs`, atomically (one synchronous statement): two undos
   * of the same reset can never both commit checkpoints. The lease lapses on its own if the
   * request holding it dies.
   */
  async lockUndo(resetId: string, now: number, leaseMs: number): Promise<UndoLock> {
    const locked = this.#sql
      .exec<{ entry: string }>(
        `UPDATE resets SET undo_lock_until = ? WHERE reset_id = ? AND expires_at > ? AND undo_lock_until <= ?
         RETURNING entry`,
        now + leaseMs,
        resetId,
        now,
        now
      )
      .toArray()[0]
    if (locked) return { state: 'locked', entry: JSON.parse(locked.entry) as LedgerEntry }
    const exists = this.#sql
      .exec('SELECT 1 FROM resets WHERE reset_id = ? AND expires_at > ?', resetId, now)
      .toArray()
    return exists.length > 0 ? { state: 'busy' } : { state: 'absent' }
  }

  /** Records an undo's outcome (if any) and releases the lock, in one write. */
  async unlockUndo(resetId: string, undo: UndoRecord | null): Promise<void> {
    if (undo) this.#update(resetId, (entry) => ({ ...entry, undo }), 'undo_lock_until = 0')
    else this.#sql.exec('UPDATE resets SET undo_lock_until = 0 WHERE reset_id = ?', resetId)
  }

  override async alarm(): Promise<void> {
    await this.#alarm.sweep(this.#sql, { table: 'resets', key: 'seq' }, Date.now())
  }

  #update(resetId: string, change: (entry: LedgerEntry) => LedgerEntry, alsoSet?: string): void {
    this.ctx.storage.transactionSync(() => {
      const row = this.#sql
        .exec<{ entry: string }>('SELECT entry FROM resets WHERE reset_id = ?', resetId)
        .toArray()[0]
      if (!row) return
      const entry = change(JSON.parse(row.entry) as LedgerEntry)
      const set = alsoSet ? `entry = ?, ${alsoSet}` : 'entry = ?'
      this.#sql.exec(`UPDATE resets SET ${set} WHERE reset_id = ?`, JSON.stringify(entry), resetId)
    })
  }
}

/**
 * The caller's `allow` rules as SQL, parameterised: `*` matches anything, `prefix*` a prefix
 * (compared with substr, so `_` and `%` in names are never wildcards), anything else exactly.
 * Null when there is no rule: no pattern, no access.
 */
function allowClause(patterns: string[]): { sql: string; params: unknown[] } | null {
  const parts: string[] = []
  const params: unknown[] = []
  const half = (column: string, pattern: string) => {
    if (pattern === '*') return '1'
    if (pattern.endsWith('*')) {
      const prefix = pattern.slice(0, -1)
      params.push(prefix.length, prefix)
      return `substr(${column}, 1, ?) = ?`
    }
    params.push(pattern)
    return `${column} = ?`
  }
  for (const pattern of patterns) {
    const slash = pattern.indexOf('/')
    if (slash < 0) continue
    const stream = half('stream_name', pattern.slice(0, slash))
    const app = half('app_name', pattern.slice(slash + 1))
    parts.push(`(${stream} AND ${app})`)
  }
  return parts.length > 0 ? { sql: `(${parts.join(' OR ')})`, params } : null
}
