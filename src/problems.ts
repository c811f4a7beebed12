import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { untrusted } from './log'

/**
 * Every problem `code` the gateway can answer, with its HTTP status and title.
 * This table is the single source of the error tables in docs/api.md "Errors" and
 * docs/operations.md (both checked against it by tests): clients switch on `code`, so a code
 * never changes meaning once published.
 */
export const PROBLEMS = {
  invalid_request: { status: 400, title: 'Invalid request' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  stream_not_found: { status: 404, title: 'Stream not found' },
  app_not_found: { status: 404, title: 'App not found' },
  partition_not_found: { status: 404, title: 'Partition not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  request_timeout: { status: 408, title: 'Request timeout' },
  rate_limited: { status: 429, title: 'Rate limited' },
  upstream_error: { status: 502, title: 'Upstream error' },
  upstream_auth_failed: { status: 502, title: 'Upstream authentication failed' },
  upstream_unavailable: { status: 503, title: 'Upstream unavailable' },
  upstream_timeout: { status: 504, title: 'Upstream timeout' },
  misconfigured: { status: 500, title: 'Gateway misconfigured' },
  internal: { status: 500, title: 'Internal error' },
  reset_not_found: { status: 404, title: 'Reset not found' },
  delivery_in_progress: { status: 409, title: 'Delivery in progress' },
  already_undone: { status: 409, title: 'Already undone' },
  undo_conflict: { status: 409, title: 'Undo conflict' },
  partition_busy: { status: 409, title: 'Partition busy' },
  sequence_expired: { status: 410, title: 'Sequence expired' },
  position_out_of_range: { status: 409, title: 'Position out of range' },
  no_checkpoint: { status: 409, title: 'No checkpoint' },
  checkpoints_changed: { status: 412, title: 'Checkpoints changed' },
  state_unavailable: { status: 503, title: 'Shared state unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>

export type ProblemCode = keyof typeof PROBLEMS

/** Base of every problem `type` URI (RFC 9457 §3.1.1: a URI that identifies the problem type). */
export const PROBLEM_TYPE_BASE = 'https://dis-checkpoint-gateway.dev/problems/'

/** A response header a problem always carries. */
export type ProblemHeader = 'Retry-After' | 'Allow'

/**
 * The rest of the error table, for the OpenAPI document (scripts/openapi/problems.ts): when each
 * code is answered, and the headers it always carries (`WWW-Authenticate` depends on the route,
 * so routes add it). Typed against PROBLEMS, so a new code without a line here fails the
 * typecheck. A table of its own, not members of PROBLEMS, because the Worker never reads it:
 * the bundler drops an unused export, but not unused members of an object the Worker uses.
 */
export const PROBLEM_DOCS: Record<ProblemCode, { when: string; headers?: ProblemHeader[] }> = {
  invalid_request: {
    when: 'A parameter or body rule is broken, a parameter is unknown or repeated, the JSON is malformed, a GET or DELETE has a body, or the Authorization header is not "Bearer <key>".',
  },
  unauthenticated: {
    when: 'Missing or wrong API key or signature (one body for both; an unknown client_id is answered the same way).',
  },
  forbidden: { when: "The client's allow patterns do not cover this stream/app." },
  not_found: {
    when: 'Unknown path; on the /v1/resets routes also when the reset ledger is off (RESET_LEDGER=off).',
  },
  stream_not_found: { when: 'DIS does not know the stream (DIS.4301).' },
  app_not_found: { when: 'DIS does not know the app (DIS.4332).' },
  partition_not_found: {
    when: 'DIS does not know the partition, or it expired (DIS.4302, DIS.4319).',
  },
  method_not_allowed: { when: 'Known path, other method.', headers: ['Allow'] },
  payload_too_large: { when: 'The body is over 16 KiB.' },
  unsupported_media_type: { when: 'The body is not application/json (or application/*+json).' },
  request_timeout: { when: 'The body did not arrive completely within 10 s.' },
  rate_limited: {
    when: 'The client exceeded its own request rate, or DIS kept throttling past the retry budget.',
    headers: ['Retry-After'],
  },
  upstream_error: { when: 'DIS failed or answered something unexpected, after retries.' },
  upstream_auth_failed: {
    when: "IAM refused the gateway's own credentials, or DIS refused a fresh token or the project.",
  },
  upstream_unavailable: {
    when: 'IAM or DIS unreachable or answering 503, or DIS blacklisted the egress IP (DIS.4309).',
    headers: ['Retry-After'],
  },
  upstream_timeout: { when: 'The overall deadline passed; safe to retry.' },
  misconfigured: {
    when: "The gateway's configuration is invalid (the reason is in its log only).",
  },
  internal: { when: 'Anything unexpected (no stack trace is sent).' },
  reset_not_found: {
    when: 'No reset with this id that this client may see (an unknown id and one outside its allow patterns look the same).',
  },
  delivery_in_progress: {
    when: 'The same webhook delivery is being processed right now.',
    headers: ['Retry-After'],
  },
  already_undone: { when: 'The reset was already undone; the body carries the earlier undo.' },
  undo_conflict: {
    when: 'Nothing was restored: a consumer committed a new checkpoint since the reset (listed in conflicts; force=true overwrites), or the reset or another undo of it is still in progress.',
  },
  partition_busy: {
    when: 'Another reset or undo of one of these partitions is running right now; nothing was sent upstream. Retry after Retry-After.',
    headers: ['Retry-After'],
  },
  sequence_expired: {
    when: "A saved sequence number is no longer in the partition's range (DIS.4224): its data aged out. The body's undo shows what was restored.",
  },
  position_out_of_range: {
    when: "A move's target lies outside a partition's retained range and out_of_range is reject; the body names each partition with its range and the requested position. Nothing was changed.",
  },
  no_checkpoint: {
    when: 'A shift_by or app move needs a checkpoint that a partition does not have; the body names the partitions. Nothing was changed.',
  },
  checkpoints_changed: {
    when: 'If-Match named a plan whose checkpoints have moved since; the body carries the current checkpoints. Nothing was changed.',
  },
  state_unavailable: {
    when: "The gateway's own shared state (replay guard, reset ledger) could not be reached; nothing was sent upstream.",
    headers: ['Retry-After'],
  },
}

/** One field-level validation message (`errors[]` in a 400 problem). */
export interface FieldError {
  field: string
  message: string
}

/** What the upstream said, reduced to the two values that are safe to show a caller. */
export interface UpstreamSummary {
  status: number | null
  error_code: string | null
}

export interface AppErrorOptions {
  /** Safe, caller-facing explanation. Defaults to the code's title. */
  detail?: string
  /** Internal reason for the log line only; never sent on the wire. Must hold no secret. */
  reason?: string
  errors?: FieldError[]
  upstream?: UpstreamSummary
  /** Extra response headers (`Retry-After`, `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>
  /** Extra members for the problem body (e.g. per-partition outcomes). */
  extensions?: Record<string, unknown>
}

/**
 * The one error type of the gateway. Everything that goes wrong is thrown (or returned) as an
 * AppError and rendered once, by `renderProblem`, so the wire format cannot drift.
 */
export class AppError extends Error {
  readonly code: ProblemCode
  readonly options: AppErrorOptions

  constructor(code: ProblemCode, options: AppErrorOptions = {}) {
    super(options.detail ?? code)
    this.name = 'AppError'
    this.code = code
    this.options = options
  }
}

interface Issue {
  code: string
  path: PropertyKey[]
  message: string
  keys?: string[]
}

/**
 * Turns schema issues into the problem's `errors: [{field, message}]`. Unknown parameter names
 * are caller input, so they are passed through `untrusted()` before being echoed.
 */
export function toFieldErrors(issues: readonly Issue[], prefix = ''): FieldError[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return (issue.keys ?? []).map((key) => ({
        field: prefix + untrusted(key),
        message: 'is not a known parameter',
      }))
    }
    const field = prefix + issue.path.map((p) => String(p)).join('.')
    return [{ field: field || '(body)', message: issue.message }]
  })
}
