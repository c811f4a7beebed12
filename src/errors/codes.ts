import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * Every problem `code` the gateway can answer, with its HTTP status and title.
 * This table is the single source of truth for the contract's §2 error table: clients switch on
 * `code`, so a code never changes meaning once published.
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
  sequence_expired: { status: 410, title: 'Sequence expired' },
  state_unavailable: { status: 503, title: 'Shared state unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>

export type ProblemCode = keyof typeof PROBLEMS

/** Base of every problem `type` URI (RFC 9457 §3.1.1: a URI that identifies the problem type). */
export const PROBLEM_TYPE_BASE = 'https://dis-checkpoint-gateway.dev/problems/'
