/**
 * One alarm per object, set to the earliest expiry that still matters, so expired rows are
 * swept in batches instead of costing a write per request (Durable Objects bill rows written).
 *
 * - `ensure(at)` sets the alarm only when none is pending or `at` is earlier than the pending
 *   one. Callers pass long-lived expiries (a stored receipt, a ledger entry); short leases are
 *   passed only with `ifNone`, so a stream of requests does not move the alarm back and forth.
 * - The alarm handler deletes what expired and re-arms for the next earliest row.
 * Rows past their expiry are treated as absent by every read, so a late alarm is harmless.
 */
export class ExpiryAlarm {
  #storage: DurableObjectStorage
  #at: number | null = null

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage
  }

  async load(): Promise<void> {
    this.#at = await this.#storage.getAlarm()
  }

  async ensure(at: number, options: { ifNone?: boolean } = {}): Promise<void> {
    if (this.#at !== null && (options.ifNone || this.#at <= at)) return
    this.#at = at
    await this.#storage.setAlarm(at)
  }

  /**
   * The alarm handler's work: delete the rows of `table` (a constant of the caller, never input)
   * whose `expires_at` has passed, then arm for the next expiry, or leave no alarm.
   */
  async sweep(sql: SqlStorage, table: string, now: number): Promise<void> {
    sql.exec(`DELETE FROM ${table} WHERE expires_at <= ?`, now)
    const next = sql
      .exec<{ next: number | null }>(`SELECT MIN(expires_at) AS next FROM ${table}`)
      .one().next
    this.#at = next
    if (next === null) await this.#storage.deleteAlarm()
    else await this.#storage.setAlarm(next)
  }
}

/**
 * Opens an object's SQLite store: runs its (idempotent) schema statements and loads the alarm
 * state before the object serves its first call.
 */
export function openExpiringStore(
  ctx: DurableObjectState,
  schema: readonly string[]
): { sql: SqlStorage; alarm: ExpiryAlarm } {
  const sql = ctx.storage.sql
  for (const statement of schema) sql.exec(statement)
  const alarm = new ExpiryAlarm(ctx.storage)
  ctx.blockConcurrencyWhile(() => alarm.load())
  return { sql, alarm }
}
