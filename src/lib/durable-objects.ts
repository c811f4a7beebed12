/** Rows one sweep deletes at most; the rest are left for an alarm a second later. */
export const SWEEP_BATCH = 500
/** How soon a sweep that left expired rows behind runs again. */
const SWEEP_AGAIN_MS = 1_000

/** A swept table: both names are constants of the caller, never input. */
export interface SweptTable {
  table: string
  /** Its primary key column (the sweep deletes by key, found through the expiry index). */
  key: string
}

/**
 * One alarm per object, batched, so expired rows are swept at a cost proportional to what they
 * delete (docs/shared-state.md: the Free plan caps rows read per day, and a sweep that scans
 * the table once per expiring row runs it out at ordinary volume).
 *
 * - Alarm times are rounded up to a batch boundary (`batchMs`: 15 min for the replay guard, 1 h
 *   for the ledger), so rows expiring within one window share one alarm, and a sweep that ran at
 *   a boundary can only arm the next boundary or later: at most one alarm per window.
 * - `ensure(at)` sets the alarm only when none is pending or `at`'s boundary is earlier than the
 *   pending one. Callers pass long-lived expiries (a stored receipt, a ledger entry); short
 *   leases are passed only with `ifNone`, so a stream of requests does not move the alarm.
 * - A sweep deletes at most `SWEEP_BATCH` expired rows, found through the `expires_at` index,
 *   then finds the next expiry through the same index (one row) and re-arms: a second later if
 *   expired rows remain, else at the boundary after the next expiry.
 * Rows past their expiry are treated as absent by every read, so a late sweep is harmless.
 */
export class ExpiryAlarm {
  #storage: DurableObjectStorage
  #batchMs: number
  #at: number | null = null

  constructor(storage: DurableObjectStorage, batchMs: number) {
    this.#storage = storage
    this.#batchMs = batchMs
  }

  async load(): Promise<void> {
    this.#at = await this.#storage.getAlarm()
  }

  async ensure(at: number, options: { ifNone?: boolean } = {}): Promise<void> {
    const slot = this.#slot(at)
    if (this.#at !== null && (options.ifNone || this.#at <= slot)) return
    this.#at = slot
    await this.#storage.setAlarm(slot)
  }

  /**
   * The alarm handler's work: delete up to `SWEEP_BATCH` rows of `swept` whose `expires_at` has
   * passed, then arm for what is left, or leave no alarm.
   */
  async sweep(sql: SqlStorage, swept: SweptTable, now: number): Promise<void> {
    const { table, key } = swept
    sql.exec(
      `DELETE FROM ${table} WHERE ${key} IN
         (SELECT ${key} FROM ${table} WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
      now,
      SWEEP_BATCH
    )
    const next = sql
      .exec<{ expires_at: number }>(`SELECT expires_at FROM ${table} ORDER BY expires_at LIMIT 1`)
      .toArray()[0]?.expires_at
    if (next === undefined) {
      this.#at = null
      await this.#storage.deleteAlarm()
      return
    }
    this.#at = next <= now ? now + SWEEP_AGAIN_MS : this.#slot(next)
    await this.#storage.setAlarm(this.#at)
  }

  /** The batch boundary at or after `at`. */
  #slot(at: number): number {
    return Math.ceil(at / this.#batchMs) * this.#batchMs
  }
}

/**
 * Opens an object's SQLite store: runs its (idempotent) schema statements and loads the alarm
 * state before the object serves its first call.
 */
export function openExpiringStore(
  ctx: DurableObjectState,
  batchMs: number,
  schema: readonly string[]
): { sql: SqlStorage; alarm: ExpiryAlarm } {
  const sql = ctx.storage.sql
  for (const statement of schema) sql.exec(statement)
  const alarm = new ExpiryAlarm(ctx.storage, batchMs)
  ctx.blockConcurrencyWhile(() => alarm.load())
  return { sql, alarm }
}

/**
 * Durable Object ids by name, derived once per isolate: `idFromName` hashes the name on every
 * call, and the names here are few and fixed (one per client, one ledger, one per IAM identity).
 * Ids are plain values, safe to keep across requests (stubs are not: each request gets its own).
 */
const byNamespace = new WeakMap<object, Map<string, DurableObjectId>>()

/** The id of the object called `name` in `namespace`, derived once per isolate. */
export function objectId<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  name: string
): DurableObjectId {
  let ids = byNamespace.get(namespace)
  if (!ids) {
    ids = new Map()
    byNamespace.set(namespace, ids)
  }
  let id = ids.get(name)
  if (!id) {
    id = namespace.idFromName(name)
    ids.set(name, id)
  }
  return id
}
