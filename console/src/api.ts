/**
 * The console's only way to the gateway: the public JSON API (README "API"), same origin, the
 * key only in `Authorization: Bearer` — never in a URL, a cookie or localStorage.
 */

export interface Range {
  earliest: string
  next: string
}

/** GET /v1/checkpoints partition; `status`/`range`/`position`/`lag` only on gateways that have them. */
export interface PartitionPosition {
  partition_id: string
  sequence_number: string | null
  status?: string
  range?: Range
  position?: string | null
  lag?: string | null
}

export interface Evidence {
  record_timestamp?: string
  clamped_from?: string
  no_record_after?: boolean
}

/** One partition of a move plan or result (POST /v1/resets). */
export interface MovePartition {
  partition_id: string
  range?: Range
  previous: string | null
  position: string | null
  committed: string | null
  evidence?: Evidence | null
  result: string
  code?: string
}

export interface MoveAnswer {
  reset_id?: string
  stream_name: string
  app_name: string
  status?: string
  dry_run?: boolean
  partitions: MovePartition[]
  warnings?: string[]
  request_id: string
}

export interface UndoRecord {
  undone_at: string
  client_id: string
  request_id: string
  status: string
  partitions: { partition_id: string; result: string; code?: string }[]
}

export interface Verification {
  checked_at: string
  status: 'held' | 'overwritten' | 'unknown' | string
  partitions: { partition_id: string; sequence_number: string | null }[]
}

export interface LedgerPartition {
  partition_id: string
  previous_sequence_number: string | null
  result: string
  code?: string
  position?: string | null
  committed?: string | null
  evidence?: Evidence | null
}

export interface LedgerEntry {
  reset_id: string
  created_at: string
  client_id: string
  via: string
  kind?: string
  request_id: string
  client_request_id?: string | null
  stream_name: string
  app_name: string
  partition_selector: string
  status: string
  partitions: LedgerPartition[]
  undo: UndoRecord | null
  verification?: Verification | null
}

/** An RFC 9457 problem from the gateway, or a stand-in when none could be read. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    /** Seconds, from `Retry-After`; the console waits at least this long before a retry. */
    readonly retryAfter: number | undefined,
    readonly body: Record<string, unknown>
  ) {
    super(title)
  }
}

export interface Answer<T> {
  data: T
  etag: string | null
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header)) return Number(header)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

/** Calls the API; any non-2xx answer is thrown as a Problem carrying what the gateway said. */
export async function call<T>(
  key: string,
  method: string,
  path: string,
  options: { body?: unknown; ifMatch?: string } = {}
): Promise<Answer<T>> {
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (options.ifMatch) headers['If-Match'] = options.ifMatch
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    })
  } catch (error) {
    throw new Problem(
      0,
      'The gateway could not be reached',
      error instanceof Error ? error.message : String(error),
      undefined,
      undefined,
      undefined,
      {}
    )
  }
  const text = await response.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    // not JSON: reported below as it is (status line), never silently dropped
  }
  if (response.ok) return { data: body as T, etag: response.headers.get('ETag') }
  const p = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  throw new Problem(
    response.status,
    str(p.title) ?? `HTTP ${response.status} ${response.statusText}`.trim(),
    str(p.detail) ?? (text && !body ? text.slice(0, 200) : ''),
    str(p.code),
    str(p.request_id) ?? response.headers.get('X-Request-Id') ?? undefined,
    retryAfterSeconds(response.headers.get('Retry-After')),
    p
  )
}

export function asProblem(error: unknown): Problem {
  if (error instanceof Problem) return error
  const message = error instanceof Error ? error.message : String(error)
  return new Problem(0, 'The console failed', message, undefined, undefined, undefined, {})
}

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v)
  const s = q.toString()
  return s ? `?${s}` : ''
}
