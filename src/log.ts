/**
 * Where a request's token came from: this isolate's cache, this request's own IAM call, a
 * concurrent request's IAM call in this isolate, or the deployment's token broker.
 */
export type TokenSource = 'cache' | 'fetch' | 'shared' | 'broker'

/**
 * One structured JSON line per request (docs/operations.md "Reading the logs"). Every stage writes
 * what it knows into the record; `writeRequestLog` emits it once, at the end.
 *
 * Secrets never enter the record: it has no field for headers, keys, tokens or passwords, and
 * caller-supplied values that failed validation go through `untrusted()` (escaped by JSON,
 * truncated) — OWASP Logging Cheat Sheet, "Data to exclude" and log injection.
 */
export interface RequestLog {
  /** The gateway's own id: also the X-Request-Id response header and every `request_id`. */
  request_id: string
  /**
   * The caller's `X-Request-Id` if it is safe (at most 128 of `[A-Za-z0-9_=-]`), for
   * correlation only; null otherwise — an unsafe value is dropped, never logged.
   */
  client_request_id: string | null
  method: string
  route: string
  client_id: string | null
  stream: string | null
  app: string | null
  partitions: string[] | null
  status: number
  code: string | null
  upstream_attempts: number
  iam_calls: number
  token: TokenSource | 'none'
  duration_ms: number
  /** The caller asked for a dry run: nothing was deleted. */
  dry_run?: boolean
  /** Webhook delivery id (`webhook-id` / `X-GitHub-Delivery`), once verified. */
  delivery_id?: string
  /** The delivery was a replay, answered from the replay guard without an upstream call. */
  replayed?: boolean
  /** The ledger entry this request wrote or acted on (reset, undo). */
  reset_id?: string
  /** Internal reason of a failure (never sent to the caller; never holds a secret). */
  reason?: string
  /**
   * Parameters of a rejected request: known ones with a truncated, escaped copy of the value,
   * unknown ones by (escaped) name only — their value is never logged.
   */
  rejected?: { field: string; value?: string }[]
}

const MAX_UNTRUSTED = 64

/** Makes a caller-supplied value safe to log: at most 64 characters, control characters escaped. */
export function untrusted(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  const clipped = text.length > MAX_UNTRUSTED ? `${text.slice(0, MAX_UNTRUSTED)}…` : text
  return clipped.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/** The log record of a request that has just arrived: ids, method and route; nothing yet done. */
export function newRequestLog(
  requestId: string,
  method: string,
  clientRequestId: string | null = null
): RequestLog {
  return {
    request_id: requestId,
    client_request_id: clientRequestId,
    method,
    route: 'unmatched',
    client_id: null,
    stream: null,
    app: null,
    partitions: null,
    status: 0,
    code: null,
    upstream_attempts: 0,
    iam_calls: 0,
    token: 'none',
    duration_ms: 0,
  }
}

/** Writes the request's one log line, at a level from its status (5xx error, 4xx warn). */
export function writeRequestLog(record: RequestLog): void {
  const level = record.status >= 500 ? 'error' : record.status >= 400 ? 'warn' : 'info'
  // One serialisation of the record, prefixed: no merged copy of it per request.
  console.log(`{"level":"${level}","msg":"request",${JSON.stringify(record).slice(1)}`)
}

/**
 * A line about work that finishes after the answer was sent (e.g. recording a reset's outcome):
 * the request's own line is already written by then. Same rules: ids and reasons, no secret.
 */
export function writeLateFailure(
  requestId: string,
  reason: string,
  extra: { reset_id?: string } = {}
): void {
  console.log(
    JSON.stringify({
      level: 'error',
      msg: 'after response',
      request_id: requestId,
      reason,
      ...extra,
    })
  )
}

/**
 * A reset did not hold: `RESET_VERIFY_SECONDS` after it, a partition no longer had what the reset
 * left (a running consumer committed over it). Written after the answer, at `warn`: the reset
 * itself succeeded, but the caller's intent did not stick. Ids and names only.
 */
export function writeResetOverwritten(line: {
  request_id: string
  reset_id: string
  stream: string
  app: string
  partitions: string[]
}): void {
  console.log(JSON.stringify({ level: 'warn', msg: 'reset_overwritten', ...line }))
}
