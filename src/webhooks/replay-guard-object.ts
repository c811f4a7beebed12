import { DurableObject } from 'cloudflare:workers'
import { type ExpiryAlarm, openExpiringStore } from '../lib/durable-objects'

/** At most one sweep per guard object per 15 minutes (docs/shared-state.md). */
const GUARD_SWEEP_MS = 15 * 60_000

/**
 * Durable Object behind the webhook replay guard: one per client (docs/shared-state.md).
 *
 * Reserving is one synchronous step: the upsert and the read of a live row run inside
 * `transactionSync` with no `await` between them, so two deliveries of the same id can never
 * both be reserved, whichever isolate or location they arrive at (the input gate of a Durable
 * Object only protects across awaits; synchronous SQL needs nothing more).
 *
 * Rows: `pending` (a lease just over the request deadline, so a crashed request cannot block the
 * sender's retries for long) or `done` with the receipt, kept for REPLAY_RETENTION_HOURS. Rows
 * past `expires_at` count as absent; a batched alarm sweeps them (expiry-alarm.ts).
 */
/** One atomic reservation per `(client, delivery)`: reserved, still pending, or done. */
export type Reservation =
  | { state: 'reserved' }
  | { state: 'pending' }
  | { state: 'done'; receipt: string }

export class ReplayGuard extends DurableObject<Env> {
  #sql: SqlStorage
  #alarm: ExpiryAlarm

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ;({ sql: this.#sql, alarm: this.#alarm } = openExpiringStore(ctx, GUARD_SWEEP_MS, [
      `CREATE TABLE IF NOT EXISTS deliveries (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        receipt TEXT
      ) WITHOUT ROWID`,
      // Sweeps find expired rows and the next expiry through this index (expiry-alarm.ts).
      'CREATE INDEX IF NOT EXISTS deliveries_by_expiry ON deliveries (expires_at)',
    ]))
  }

  async reserve(key: string, now: number, leaseMs: number): Promise<Reservation> {
    const leaseUntil = now + leaseMs
    const result = this.ctx.storage.transactionSync((): Reservation => {
      const taken = this.#sql
        .exec(
          `INSERT INTO deliveries (key, state, expires_at, receipt) VALUES (?, 'pending', ?, NULL)
           ON CONFLICT (key) DO UPDATE SET state = 'pending', expires_at = excluded.expires_at, receipt = NULL
           WHERE deliveries.expires_at <= ?
           RETURNING key`,
          key,
          leaseUntil,
          now
        )
        .toArray()
      if (taken.length > 0) return { state: 'reserved' }
      const row = this.#sql
        .exec<{ state: string; receipt: string | null }>(
          'SELECT state, receipt FROM deliveries WHERE key = ?',
          key
        )
        .one()
      return row.state === 'done' && row.receipt !== null
        ? { state: 'done', receipt: row.receipt }
        : { state: 'pending' }
    })
    if (result.state === 'reserved') await this.#alarm.ensure(leaseUntil, { ifNone: true })
    return result
  }

  async complete(key: string, receipt: string, now: number, retentionMs: number): Promise<void> {
    const expiresAt = now + retentionMs
    this.#sql.exec(
      `INSERT INTO deliveries (key, state, expires_at, receipt) VALUES (?, 'done', ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = 'done', expires_at = excluded.expires_at, receipt = excluded.receipt`,
      key,
      expiresAt,
      receipt
    )
    await this.#alarm.ensure(expiresAt)
  }

  /** The delivery failed: forget it, so the sender's retry is processed. */
  async release(key: string): Promise<void> {
    this.#sql.exec("DELETE FROM deliveries WHERE key = ? AND state = 'pending'", key)
  }

  override async alarm(): Promise<void> {
    await this.#alarm.sweep(this.#sql, { table: 'deliveries', key: 'key' }, Date.now())
  }
}
