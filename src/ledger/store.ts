import { boundedCall, STATE_CALL_TIMEOUT_MS } from '../lib/concurrency'
import { objectId } from '../lib/durable-objects'
import type { LedgerEntry, LedgerPartition, ResetStatus, UndoRecord, Verification } from './entry'
import type { ResetLedger, UndoLock } from './ledger-object'
import type { LeaseTarget } from './partition-leases'

/**
 * The reset ledger as the rest of the gateway sees it (docs/api.md "Safety net"). Backed by one
 * Durable Object per deployment; another runtime could provide the same interface.
 */
export interface LedgerStore {
  record(entry: LedgerEntry): Promise<void>
  complete(resetId: string, status: ResetStatus, partitions: LedgerPartition[]): Promise<void>
  /** Records whether the reset held (reset/verify.ts). */
  verify(resetId: string, verification: Verification): Promise<void>
  get(resetId: string): Promise<LedgerEntry | null>
  list(query: {
    allow: string[]
    stream_name?: string
    app_name?: string
    limit: number
    cursor?: string
  }): Promise<{ entries: LedgerEntry[]; next_cursor: string | null }>
  /** Per-partition leases (partition-leases.ts): false when another request holds one. */
  lease(target: LeaseTarget, partitions: string[], holder: string, until: number): Promise<boolean>
  /** A move's leases and its entry in one call: false (nothing written) when busy. */
  leaseAndRecord(
    target: LeaseTarget,
    partitions: string[],
    holder: string,
    until: number,
    entry: LedgerEntry
  ): Promise<boolean>
  release(
    target: LeaseTarget,
    partitions: string[],
    holder: string,
    abandoned?: string
  ): Promise<void>
  lockUndo(resetId: string, until: number, holder: string): Promise<UndoLock>
  unlockUndo(resetId: string, undo: UndoRecord | null, holder: string): Promise<void>
}

export interface LedgerOptions {
  namespace: DurableObjectNamespace<ResetLedger>
  now: () => number
  retentionMs: number
  timeoutMs: () => number
}

/** The one ledger object of the deployment. */
const LEDGER_NAME = 'ledger'

/** The ledger backed by the deployment's one ResetLedger object, each call bounded in time. */
export function durableLedger(options: LedgerOptions): LedgerStore {
  const { namespace, now, retentionMs, timeoutMs } = options
  const stub = () => namespace.get(objectId(namespace, LEDGER_NAME))
  const call = <T>(what: string, fn: () => Promise<T>) =>
    boundedCall(`ledger ${what}`, timeoutMs(), fn)
  return {
    record: (entry) => call('record', () => stub().record(entry, now() + retentionMs)),
    complete: (resetId, status, partitions) =>
      call('complete', () => stub().complete(resetId, status, partitions)),
    // Written RESET_VERIFY_SECONDS after the answer, past the request's deadline by design: its
    // own bound, not what is left of the request's.
    verify: (resetId, verification) =>
      boundedCall('ledger verify', STATE_CALL_TIMEOUT_MS, () =>
        stub().verify(resetId, verification)
      ),
    get: (resetId) =>
      call('get', async (): Promise<LedgerEntry | null> => await stub().get(resetId, now())),
    async list(query) {
      // No pattern, no access (README "Clients"): an empty `allow` sees an empty ledger, and
      // costs no Durable Object request (docs/shared-state.md: cheap rejections cost no state).
      // An empty page rather than 403: the client is authenticated, and a listing is always a
      // view filtered by `allow`, like one whose patterns match nothing yet.
      if (query.allow.length === 0) return { entries: [], next_cursor: null }
      const page = await call('list', async () =>
        stub().list({
          allow: query.allow,
          stream_name: query.stream_name,
          app_name: query.app_name,
          limit: query.limit,
          before: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
          now: now(),
        })
      )
      return {
        entries: page.entries as LedgerEntry[],
        next_cursor: page.more && page.last !== null ? encodeCursor(page.last) : null,
      }
    },
    lease: (target, partitions, holder, until) =>
      call('lease', () => stub().lease(target, partitions, holder, now(), until)),
    leaseAndRecord: (target, partitions, holder, until, entry) =>
      call('lease', () =>
        stub().leaseAndRecord(target, partitions, holder, now(), until, entry, now() + retentionMs)
      ),
    release: (target, partitions, holder, abandoned) =>
      call('release', () => stub().release(target, partitions, holder, abandoned)),
    lockUndo: (resetId, until, holder) =>
      call(
        'lock',
        async (): Promise<UndoLock> => await stub().lockUndo(resetId, now(), until, holder)
      ),
    unlockUndo: (resetId, undo, holder) =>
      call('unlock', () => stub().unlockUndo(resetId, undo, holder)),
  }
}

/**
 * Cursors are opaque to callers (base64url of `v1:<seq>`): the format can change without
 * breaking them, and a cursor that does not decode is the caller's 400, never a 500.
 */
function encodeCursor(seq: number): string {
  return btoa(`v1:${seq}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The position a `cursor` stands for, or undefined if it is not one this ledger issued. */
export function decodeCursor(cursor: string): number | undefined {
  try {
    const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))
    const match = /^v1:([0-9]{1,15})$/.exec(text)
    return match?.[1] === undefined ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}
