// Call counters, the request log and in-flight tracking. The gateway's tests assert on upstream
// call *counts* and *order* (retry amplification, snapshot before delete), not only on status
// codes, so every non-control request is recorded.
import type { CallRecord, CallRoute, CallsReport, RouteName } from './types.ts'

const DIS_ROUTES: ReadonlySet<CallRoute> = new Set<RouteName>([
  'delete_checkpoint',
  'commit_checkpoint',
  'show_checkpoint',
  'describe_stream',
  'list_streams',
  'get_cursor',
  'get_records',
])

export interface Call {
  record: CallRecord
  /** In-flight tracking covers DIS routes only (concurrency limits concern DIS calls). */
  tracked: boolean
  done: boolean
}

function zeroCounts(): Record<CallRoute, number> {
  return {
    iam_token: 0,
    delete_checkpoint: 0,
    commit_checkpoint: 0,
    show_checkpoint: 0,
    describe_stream: 0,
    list_streams: 0,
    get_cursor: 0,
    get_records: 0,
    other: 0,
  }
}

export class CallLog {
  #counts = zeroCounts()
  #requests: CallRecord[] = []
  #inFlight = 0
  #peak = 0

  start(fields: Omit<CallRecord, 'status' | 'fault' | 'started_at' | 'ended_at'>): Call {
    const record: CallRecord = {
      ...fields,
      status: null,
      fault: false,
      started_at: Date.now(),
      ended_at: null,
    }
    this.#counts[record.route]++
    this.#requests.push(record)
    const tracked = DIS_ROUTES.has(record.route)
    if (tracked) {
      this.#inFlight++
      this.#peak = Math.max(this.#peak, this.#inFlight)
    }
    return { record, tracked, done: false }
  }

  /** A call the emulator made itself (the live consumer): logged in order, never counted. */
  recordInternal(fields: Omit<CallRecord, 'fault' | 'started_at' | 'ended_at'>): void {
    const now = Date.now()
    this.#requests.push({ ...fields, fault: false, started_at: now, ended_at: now })
  }

  /** Idempotent: the first call wins (a response sent, or the socket gone without one). */
  finish(call: Call, status: number | null): void {
    if (call.done) return
    call.done = true
    call.record.status = status
    call.record.ended_at = Date.now()
    if (call.tracked) this.#inFlight--
  }

  report(): CallsReport {
    return {
      counts: { ...this.#counts },
      requests: this.#requests.map((r) => ({ ...r })),
      in_flight: this.#inFlight,
      peak_in_flight: this.#peak,
    }
  }

  /** Clears counters, the log and the peak; requests still in flight keep being tracked. */
  reset(): void {
    this.#counts = zeroCounts()
    this.#requests = []
    this.#peak = this.#inFlight
  }
}
