import { DurableObject } from 'cloudflare:workers'
import { type ExpiryAlarm, openExpiringStore } from '../lib/durable-objects'
import { compileAllowRule, isAllowed } from '../model/client'
import {
  changedPartitions,
  type LedgerEntry,
  type LedgerPartition,
  type ResetStatus,
  type UndoRecord,
  type Verification,
} from './entry'
import { LEASES_SCHEMA, type LeaseTarget, releaseLeases, takeLeases } from './partition-leases'

/** At most one sweep of the ledger per hour (docs/shared-state.md). */
const LEDGER_SWEEP_MS = 3_600_000
/**
 * How long a lease request waits for a conflicting lease to be released before it answers
 * "busy". A reset's leases are released with its outcome, recorded just after the answer
 * (`waitUntil`, a few ms later): without this wait a caller's next operation on the same
 * partition, sent the moment the answer arrives (a reset, then its undo), could find the lease
 * still held and get `409 partition_busy` for nobody. Short, so a real conflict still answers
 * at once: an operation that is actually running holds its lease for its upstream calls.
 */
const LEASE_WAIT_MS = 150

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
  /** `newer`: later resets still standing that changed one of the entry's partitions. */
  { state: 'locked'; entry: LedgerEntry; newer: string[] } | { state: 'busy' } | { state: 'absent' }

/**
 * The reset ledger (docs/api.md "Safety net"): one SQLite-backed object per deployment. Resets are
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
  /** Lease requests waiting for a release (`#nextRelease`); every release wakes them all. */
  #waiting: (() => void)[] = []

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
      // The saved metadata of entries too large for one row (see `spill` below).
      `CREATE TABLE IF NOT EXISTS reset_metadata (
        seq INTEGER NOT NULL,
        part INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (seq, part)
      ) WITHOUT ROWID`,
      `CREATE TRIGGER IF NOT EXISTS reset_metadata_swept AFTER DELETE ON resets
       BEGIN DELETE FROM reset_metadata WHERE seq = old.seq; END`,
    ]))
    // Per-partition leases (partition-leases.ts); `undo_lock_until` above is no longer used.
    this.#sql.exec(LEASES_SCHEMA)
  }

  /**
   * Leases `partitions` of `target` to `holder` (a request id) until `until`, atomically: all
   * or none. False when another reset or undo holds one of them.
   */
  async lease(
    target: LeaseTarget,
    partitions: string[],
    holder: string,
    now: number,
    until: number
  ): Promise<boolean> {
    const taken = await this.#whenFree(now, (at) =>
      this.ctx.storage.transactionSync(() =>
        takeLeases(this.#sql, target, partitions, holder, at, until)
      )
        ? true
        : undefined
    )
    if (taken) await this.#sweepLeasesBy(until)
    return taken === true
  }

  /**
   * Runs `attempt` (a synchronous lease attempt at the caller's clock `now` plus the time waited)
   * until it answers, waiting for releases for at most LEASE_WAIT_MS; undefined means "busy".
   */
  async #whenFree<T>(now: number, attempt: (at: number) => T | undefined): Promise<T | undefined> {
    const started = Date.now()
    for (;;) {
      const waited = Date.now() - started
      const result = attempt(now + waited)
      if (result !== undefined || waited >= LEASE_WAIT_MS) return result
      await this.#nextRelease(LEASE_WAIT_MS - waited)
    }
  }

  /**
   * Resolves at the next release of any lease, or after `ms`. While a request waits here the
   * object serves other calls (input gates close only around storage operations), so the
   * release it waits for can arrive.
   */
  #nextRelease(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.#waiting.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Wakes every waiting lease request: each checks its partitions again. */
  #released(): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const wake of waiting) wake()
  }

  /**
   * A lease whose release never landed (the request died) is replaced by the next lease of its
   * partition, and deleted by the next sweep: taking a lease brings the batched alarm forward to
   * the hour boundary after it ends (at most one alarm per hour, docs/shared-state.md).
   */
  async #sweepLeasesBy(until: number): Promise<void> {
    await this.#alarm.ensure(until)
  }

  /**
   * Releases `holder`'s leases early (a reset that stopped before its entry was completed);
   * `abandoned` names the entry it wrote, if any: still `in_progress`, it becomes `abandoned`
   * (no DELETE was sent).
   */
  async release(
    target: LeaseTarget,
    partitions: string[],
    holder: string,
    abandoned?: string
  ): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      releaseLeases(this.#sql, target, partitions, holder)
      if (abandoned === undefined) return
      this.#update(abandoned, (entry) =>
        entry.status === 'in_progress' ? { ...entry, status: 'abandoned' } : entry
      )
    })
    this.#released()
  }

  /**
   * A move's leases and its entry in one call (docs/api.md "Moving a checkpoint": every
   * partition is resolved before the leases are taken, so nothing runs between the two): the
   * leases as `lease` takes them (waiting briefly for a release), and the entry written in the
   * same transaction — one Durable Object round trip fewer before the first commit. False, and
   * nothing written, when another request holds one of the partitions.
   */
  async leaseAndRecord(
    target: LeaseTarget,
    partitions: string[],
    holder: string,
    now: number,
    until: number,
    entry: LedgerEntry,
    expiresAt: number
  ): Promise<boolean> {
    const taken = await this.#whenFree(now, (at) =>
      this.ctx.storage.transactionSync(() => {
        if (!takeLeases(this.#sql, target, partitions, holder, at, until)) return undefined
        this.#insert(entry, expiresAt)
        return true
      })
    )
    if (!taken) return false
    await this.#alarm.ensure(Math.min(until, expiresAt))
    return true
  }

  /** Written durably before the first DELETE (the output gate holds the reply until it is). */
  async record(entry: LedgerEntry, expiresAt: number): Promise<void> {
    this.ctx.storage.transactionSync(() => this.#insert(entry, expiresAt))
    await this.#alarm.ensure(expiresAt)
  }

  /** The entry's row (and its metadata parts, when it is too large for one). */
  #insert(entry: LedgerEntry, expiresAt: number): void {
    {
      const stored = spill(entry)
      const { seq } = this.#sql
        .exec<{ seq: number }>(
          `INSERT INTO resets (reset_id, stream_name, app_name, expires_at, entry) VALUES (?, ?, ?, ?, ?)
           RETURNING seq`,
          entry.reset_id,
          entry.stream_name,
          entry.app_name,
          expiresAt,
          stored.row
        )
        .one()
      writeMetadata(this.#sql, seq, stored.metadata)
    }
  }

  /** Records the outcome and releases the leases the recording request (`request_id`) holds. */
  async complete(
    resetId: string,
    status: ResetStatus,
    partitions: LedgerPartition[]
  ): Promise<void> {
    this.#update(resetId, (entry) => {
      releaseLeases(this.#sql, entry, idsOf(entry), entry.request_id)
      return { ...entry, status, partitions }
    })
    this.#released()
  }

  /** Records whether the reset held (one row rewritten; its leases are long released). */
  async verify(resetId: string, verification: Verification): Promise<void> {
    this.#update(resetId, (entry) => ({ ...entry, verification }))
  }

  async get(resetId: string, now: number): Promise<LedgerEntry | null> {
    const row = this.#sql
      .exec<{ seq: number; entry: string }>(
        'SELECT seq, entry FROM resets WHERE reset_id = ? AND expires_at > ?',
        resetId,
        now
      )
      .toArray()[0]
    return row ? readEntry(this.#sql, row.seq, row.entry) : null
  }

  /**
   * Newest entries first, within the caller's `allow` and filters, reading O(limit + matches)
   * rows for every pattern shape (docs/shared-state.md): the `(stream_name, app_name)` pairs in
   * scope are found first (the patterns themselves when they are all exact; otherwise one index
   * step per distinct pair in the ledger — a few dozen — not a scan of the entries), then one
   * lazy cursor per pair walks the `(stream_name, app_name, seq)` index newest first and the
   * cursors are merged until `limit + 1` entries are taken: rows read ≈ pairs + limit. A
   * client allowed everything, with no filter, walks the table newest first. Patterns are
   * matched with the same rule as everywhere else (auth/allow.ts) and never become SQL, so no
   * statement binds per pattern (Cloudflare allows 100 bound parameters per statement).
   */
  async list(
    query: ListQuery
  ): Promise<{ entries: LedgerEntry[]; last: number | null; more: boolean }> {
    const rules = query.allow.map(compileAllowRule)
    const wanted = (stream: string, app: string) =>
      (query.stream_name === undefined || stream === query.stream_name) &&
      (query.app_name === undefined || app === query.app_name) &&
      isAllowed(rules, stream, app)
    const take = query.limit + 1
    const before = query.before ?? Number.MAX_SAFE_INTEGER
    type Row = { seq: number; entry: string }
    // Cursors are lazy: each advances only as far as the merge below takes rows from it.
    const cursors =
      query.stream_name === undefined && query.app_name === undefined && query.allow.includes('*/*')
        ? [
            this.#sql.exec<Row>(
              'SELECT seq, entry FROM resets WHERE seq < ? AND expires_at > ? ORDER BY seq DESC LIMIT ?',
              before,
              query.now,
              take
            ),
          ]
        : this.#pairs(query)
            .filter(([stream, app]) => wanted(stream, app))
            .map(([stream, app]) =>
              this.#sql.exec<Row>(
                `SELECT seq, entry FROM resets WHERE stream_name = ? AND app_name = ? AND seq < ?
                   AND expires_at > ? ORDER BY seq DESC LIMIT ?`,
                stream,
                app,
                before,
                query.now,
                take
              )
            )
    const heads = cursors.map((cursor) => ({ cursor, next: cursor.next() }))
    const rows: Row[] = []
    while (rows.length < take) {
      let newest: (typeof heads)[number] | undefined
      for (const head of heads) {
        if (head.next.done) continue
        if (!newest || head.next.value.seq > (newest.next.value as Row).seq) newest = head
      }
      if (!newest || newest.next.done) break
      rows.push(newest.next.value)
      newest.next = newest.cursor.next()
    }
    const page = rows.slice(0, query.limit)
    return {
      entries: page.map((row) => JSON.parse(row.entry) as LedgerEntry),
      last: page.at(-1)?.seq ?? null,
      more: rows.length > query.limit,
    }
  }

  /**
   * The `(stream_name, app_name)` pairs a listing may have to read: the request's own pair when
   * both filters are set, the exact patterns when every pattern is exact, else every distinct
   * pair in the ledger (of the filtered stream, if any), one index step each: expired and live
   * entries alike, the per-pair query drops expired ones.
   */
  #pairs(query: ListQuery): [string, string][] {
    if (query.stream_name !== undefined && query.app_name !== undefined) {
      return [[query.stream_name, query.app_name]]
    }
    const exact = query.allow.map((pattern) => pattern.split('/') as [string, string])
    if (exact.every(([s, a]) => !s.endsWith('*') && !a.endsWith('*'))) {
      return [...new Map(exact.map((pair) => [pair.join('/'), pair])).values()]
    }
    // Two index steps at most per pair: the next app of this stream, else the next stream.
    // (A row-value comparison `(stream_name, app_name) > (?, ?)` is not served by the index.)
    type Pair = { stream_name: string; app_name: string }
    const pairs: [string, string][] = []
    const nextApp = (stream: string, app: string) =>
      this.#sql
        .exec<Pair>(
          'SELECT stream_name, app_name FROM resets WHERE stream_name = ? AND app_name > ? ORDER BY app_name LIMIT 1',
          stream,
          app
        )
        .toArray()[0]
    const nextStream = (stream: string) =>
      this.#sql
        .exec<Pair>(
          'SELECT stream_name, app_name FROM resets WHERE stream_name > ? ORDER BY stream_name, app_name LIMIT 1',
          stream
        )
        .toArray()[0]
    let next = query.stream_name === undefined ? nextStream('') : nextApp(query.stream_name, '')
    while (next) {
      pairs.push([next.stream_name, next.app_name])
      next =
        nextApp(next.stream_name, next.app_name) ??
        (query.stream_name === undefined ? nextStream(next.stream_name) : undefined)
    }
    return pairs
  }

  /**
   * Leases the entry's partitions to the undoing request (`holder`) until `until`, atomically
   * (one synchronous transaction): an undo never interleaves with another undo of them or with
   * a reset of them. Returns the entry as it is now, and the newer resets still standing that
   * changed one of its partitions (found through the `(stream_name, app_name, seq)` index).
   */
  async lockUndo(resetId: string, now: number, until: number, holder: string): Promise<UndoLock> {
    const attempt = (at: number) =>
      this.ctx.storage.transactionSync((): UndoLock | undefined => {
        const row = this.#sql
          .exec<{ seq: number; entry: string }>(
            'SELECT seq, entry FROM resets WHERE reset_id = ? AND expires_at > ?',
            resetId,
            at
          )
          .toArray()[0]
        if (!row) return { state: 'absent' }
        const entry = readEntry(this.#sql, row.seq, row.entry)
        if (!takeLeases(this.#sql, entry, idsOf(entry), holder, at, until)) return undefined
        const mine = new Set(idsOf(entry))
        const newer = this.#sql
          .exec<{ entry: string }>(
            `SELECT entry FROM resets WHERE stream_name = ? AND app_name = ? AND seq > ?
             AND expires_at > ? ORDER BY seq`,
            entry.stream_name,
            entry.app_name,
            row.seq,
            at
          )
          .toArray()
          .map((r) => JSON.parse(r.entry) as LedgerEntry)
          .filter((later) => changedPartitions(later).some((id) => mine.has(id)))
          .map((later) => later.reset_id)
        return { state: 'locked', entry, newer }
      })
    const lock = (await this.#whenFree(now, attempt)) ?? { state: 'busy' }
    if (lock.state === 'locked') await this.#sweepLeasesBy(until)
    return lock
  }

  /** Records an undo's outcome (if any) and releases `holder`'s leases, in one transaction. */
  async unlockUndo(resetId: string, undo: UndoRecord | null, holder: string): Promise<void> {
    this.#update(resetId, (entry) => {
      releaseLeases(this.#sql, entry, idsOf(entry), holder)
      return undo ? { ...entry, undo } : entry
    })
    this.#released()
  }

  override async alarm(): Promise<void> {
    const now = Date.now()
    // Lapsed leases first. No index on `until`: besides the lapsed leases this deletes, the
    // table holds only the leases of requests running right now (released leases are deleted),
    // so the scan reads what it deletes plus a handful, and taking a lease stays one row written
    // (an index would double it, and rows written is the scarcer Free-plan quota).
    this.#sql.exec('DELETE FROM leases WHERE until <= ?', now)
    await this.#alarm.sweep(this.#sql, { table: 'resets', key: 'seq' }, now)
    // A lease still running may yet lapse: keep an alarm for it (one row read).
    const running = this.#sql
      .exec<{ until: number }>('SELECT until FROM leases LIMIT 1')
      .toArray()[0]?.until
    if (running !== undefined) await this.#alarm.ensure(running)
  }

  #update(resetId: string, change: (entry: LedgerEntry) => LedgerEntry, alsoSet?: string): void {
    this.ctx.storage.transactionSync(() => {
      const row = this.#sql
        .exec<{ seq: number; entry: string }>(
          'SELECT seq, entry FROM resets WHERE reset_id = ?',
          resetId
        )
        .toArray()[0]
      if (!row) return
      const entry = change(readEntry(this.#sql, row.seq, row.entry))
      const stored = spill(entry)
      const set = alsoSet ? `entry = ?, ${alsoSet}` : 'entry = ?'
      this.#sql.exec(`UPDATE resets SET ${set} WHERE reset_id = ?`, stored.row, resetId)
      if (stored.metadata !== null || !row.entry.includes('"previous_metadata"')) {
        this.#sql.exec('DELETE FROM reset_metadata WHERE seq = ?', row.seq)
        writeMetadata(this.#sql, row.seq, stored.metadata)
      }
    })
  }
}

function idsOf(entry: LedgerEntry): string[] {
  return entry.partitions.map((p) => p.partition_id)
}

/**
 * Cloudflare limits a SQLite row (and a string or blob in it) to 2 MB. An entry for
 * `partition_id=all` on a Paid plan can hold ~5 000 partitions, each with up to 1 000 characters
 * of saved metadata (docs/upstream.md) — more than 5 MB. Such an entry is stored without its
 * metadata (under 1 MB: ids, 19-digit positions and results are ASCII), and the metadata goes to
 * `reset_metadata` in parts small enough for a row each. Entries below the threshold — every
 * ordinary reset — are one row as before: no extra write.
 */
const ROW_BYTES = 1_000_000
/** UTF-16 units per metadata part: at most 3 bytes each in UTF-8, so a part stays under 2 MB. */
const PART_UNITS = 500_000

function spill(entry: LedgerEntry): { row: string; metadata: string | null } {
  const row = JSON.stringify(entry)
  if (row.length * 3 <= ROW_BYTES || new TextEncoder().encode(row).length <= ROW_BYTES) {
    return { row, metadata: null }
  }
  const metadata = JSON.stringify(entry.partitions.map((p) => p.previous_metadata))
  const partitions = entry.partitions.map(({ previous_metadata: _, ...rest }) => rest)
  return { row: JSON.stringify({ ...entry, partitions }), metadata }
}

function writeMetadata(sql: SqlStorage, seq: number, metadata: string | null): void {
  if (metadata === null) return
  for (let part = 0, at = 0; at < metadata.length; part++) {
    let end = Math.min(at + PART_UNITS, metadata.length)
    // Never split a surrogate pair: half of one cannot be stored as text.
    const last = metadata.charCodeAt(end - 1)
    if (end < metadata.length && last >= 0xd800 && last <= 0xdbff) end -= 1
    sql.exec(
      'INSERT INTO reset_metadata (seq, part, data) VALUES (?, ?, ?)',
      seq,
      part,
      metadata.slice(at, end)
    )
    at = end
  }
}

/** The entry with its saved metadata, wherever it is stored. */
function readEntry(sql: SqlStorage, seq: number, row: string): LedgerEntry {
  const entry = JSON.parse(row) as LedgerEntry
  if (entry.partitions.every((p) => p.previous_metadata !== undefined)) return entry
  const text = sql
    .exec<{ data: string }>('SELECT data FROM reset_metadata WHERE seq = ? ORDER BY part', seq)
    .toArray()
    .map((part) => part.data)
    .join('')
  const metadata = (text ? JSON.parse(text) : []) as string[]
  return {
    ...entry,
    partitions: entry.partitions.map((p, i) => ({ ...p, previous_metadata: metadata[i] ?? '' })),
  }
}
