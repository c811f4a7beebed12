import type { ProblemCode } from '../problems'
import { AppError, type UpstreamSummary } from '../problems'
import type { AttemptOutcome } from './attempt'
import { parseRetryAfter, retryAfterSeconds } from './attempt'

/**
 * What one upstream answer means for the request: done, retry, refresh the token, or fail with
 * a given problem. The mapping tables of docs/api.md "Errors" live here and nowhere else.
 */
export type Verdict =
  | { kind: 'ok'; status: number; body: string; acceptedCode?: string }
  | { kind: 'token_rejected'; error: AppError }
  | { kind: 'retry'; throttled: boolean; retryAfterMs: number | undefined; error: AppError }
  | { kind: 'fail'; error: AppError }

/** DIS refused the token itself (docs/upstream.md "DIS error codes", "APIGW errors"; T11). */
const TOKEN_REJECTED_CODES = new Set(['APIGW.0301', 'DIS.4113', 'DIS.4114'])
/** Throttling signals (docs/upstream.md "Throttling"; T13). */
const THROTTLED_CODES = new Set(['APIGW.0308', 'DIS.4303', 'DIS.4305'])
/** DIS resource errors the caller can act on (docs/api.md "Errors"). */
const NOT_FOUND_CODES: Record<string, ProblemCode> = {
  'DIS.4301': 'stream_not_found',
  'DIS.4332': 'app_not_found',
  'DIS.4302': 'partition_not_found',
  'DIS.4319': 'partition_not_found',
}
/** The gateway's own identity is at fault: wrong project or no DIS permission for it. */
const OWN_CREDENTIAL_CODES = new Set(['DIS.4116', 'DIS.4117'])
/** DIS blacklisted our egress IP after repeated failures; it says to wait ~30 min (§2.2). */
const BLACKLISTED_CODE = 'DIS.4309'
/** DIS.4224: a sequence number outside the partition's range — its records aged out. */
const SEQUENCE_OUT_OF_RANGE_CODE = 'DIS.4224'
/** DIS.4201 "Invalid partition_id": the caller's input, not an upstream fault. */
const INVALID_PARTITION_CODE = 'DIS.4201'

const UNAVAILABLE_RETRY_AFTER_S = 5

/** What a DIS answer means: done, retry, refresh the token, or a problem for the caller. */
export function classifyDis(
  outcome: AttemptOutcome,
  now: number,
  accept: readonly string[] = []
): Verdict {
  if (outcome.kind === 'timeout') return retry(false, undefined, timeoutError('DIS'))
  if (outcome.kind === 'network') return retry(false, undefined, unreachable('DIS', undefined))
  const { status, body, headers } = outcome
  if (status >= 200 && status < 300) return { kind: 'ok', status, body }
  const code = upstreamErrorCode(body)
  if (code !== null && status >= 400 && status < 500 && accept.includes(code)) {
    // The body goes along: a caller that accepts a code may need its message (DIS.4300 says
    // "timestamp is expired" only in its text).
    return { kind: 'ok', status, body, acceptedCode: code }
  }
  const upstream: UpstreamSummary = { status, error_code: code }
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now)
  if (status === 401 || status === 441 || (code !== null && TOKEN_REJECTED_CODES.has(code))) {
    return {
      kind: 'token_rejected',
      error: new AppError('upstream_auth_failed', {
        upstream,
        detail: 'DIS rejected the gateway token',
        reason: 'DIS rejected a fresh token',
      }),
    }
  }
  if (status === 429 || (code !== null && THROTTLED_CODES.has(code))) {
    const error = new AppError('rate_limited', {
      upstream,
      detail: 'DIS kept throttling the request; retry later',
      headers: { 'Retry-After': retryAfterSeconds(retryAfterMs, 1) },
    })
    return retry(true, retryAfterMs, error)
  }
  if (status >= 500) {
    const error =
      status === 503
        ? unreachable('DIS', retryAfterMs, upstream)
        : new AppError('upstream_error', { upstream, detail: 'DIS failed to process the request' })
    return retry(false, retryAfterMs, error)
  }
  if (status >= 300 && status < 400) {
    return fail(
      'upstream_error',
      upstream,
      'DIS answered with a redirect, which the gateway never follows'
    )
  }
  if (code === SEQUENCE_OUT_OF_RANGE_CODE) {
    return fail(
      'sequence_expired',
      upstream,
      'The saved position is no longer in the partition: its records aged out'
    )
  }
  if (code === INVALID_PARTITION_CODE) {
    return fail('invalid_request', upstream, 'DIS does not accept this partition id')
  }
  const mapped = code === null ? undefined : NOT_FOUND_CODES[code]
  if (mapped) return fail(mapped, upstream, 'DIS reports that it does not exist')
  if (code !== null && OWN_CREDENTIAL_CODES.has(code)) {
    return fail('upstream_auth_failed', upstream, 'DIS refused the gateway project or permissions')
  }
  if (code === BLACKLISTED_CODE) {
    const error = new AppError('upstream_unavailable', {
      upstream,
      detail: 'DIS is temporarily refusing requests from the gateway',
      headers: { 'Retry-After': '1800' },
    })
    return { kind: 'fail', error }
  }
  return fail('upstream_error', upstream, 'DIS rejected the request')
}

/**
 * ListStreams as an identity check (docs/shared-state.md): only a 2xx says the token is fine.
 * Anything else — a refusal, but also a timeout, a 5xx or throttling — cannot clear the token,
 * so the breaker trips as it would without the check (fail closed: the storm that locks IAM
 * users and gets the egress IP blacklisted is worse than 30 s of refusals).
 */
export function classifyIdentityCheck(outcome: AttemptOutcome): 'accepted' | 'refused' {
  return outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300
    ? 'accepted'
    : 'refused'
}

/** What an IAM token answer means: a token, retry, or a problem (a refused password is final). */
export function classifyIam(outcome: AttemptOutcome, now: number): Verdict {
  if (outcome.kind === 'timeout') return retry(false, undefined, timeoutError('IAM'))
  if (outcome.kind === 'network') return retry(false, undefined, unreachable('IAM', undefined))
  const { status, body, headers } = outcome
  if (status === 201) return { kind: 'ok', status, body }
  const upstream: UpstreamSummary = { status, error_code: upstreamErrorCode(body) }
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now)
  if (status === 429 || status >= 500)
    return retry(status === 429, retryAfterMs, unreachable('IAM', retryAfterMs, upstream))
  if (status >= 400) {
    // Our own credentials or scope were refused. Never retried: repeated failures lock the
    // IAM user (IAM.0061) and get the egress IP blacklisted (DIS.4309).
    return fail('upstream_auth_failed', upstream, 'IAM refused the gateway credentials')
  }
  return fail('upstream_error', upstream, 'IAM answered unexpectedly')
}

function retry(throttled: boolean, retryAfterMs: number | undefined, error: AppError): Verdict {
  return { kind: 'retry', throttled, retryAfterMs, error }
}

function fail(code: ProblemCode, upstream: UpstreamSummary, detail: string): Verdict {
  return { kind: 'fail', error: new AppError(code, { upstream, detail }) }
}

function timeoutError(service: string): AppError {
  return new AppError('upstream_timeout', { detail: `${service} did not answer in time` })
}

function unreachable(
  service: string,
  retryAfterMs: number | undefined,
  upstream?: UpstreamSummary
): AppError {
  return new AppError('upstream_unavailable', {
    detail: `${service} is unavailable; retry later`,
    headers: { 'Retry-After': retryAfterSeconds(retryAfterMs, UNAVAILABLE_RETRY_AFTER_S) },
    ...(upstream ? { upstream } : {}),
  })
}

const CODE_PATTERN = /^[A-Za-z0-9._-]{1,32}$/

/**
 * Extracts the upstream error code from the three body shapes seen in the wild
 * (docs/upstream.md "Error bodies"):
 * - DIS as its SDKs see it: `{"errorCode": "DIS.4301", "message": "…"}`
 * - documented / API gateway: `{"error_code": "APIGW.0301", "error_msg": "…"}`
 * - Keystone-style nested (IAM): `{"error": {"code": 401, "message": "…"}}`
 * Only the code survives, and only if it looks like a code: the message, which can contain
 * project ids, stream names or token details, is never kept (RFC 9457 §5 "not a debugging tool").
 */
export function upstreamErrorCode(body: string): string | null {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return null
  }
  if (!isRecord(json)) return null
  const nested = isRecord(json.error) ? json.error.code : undefined
  return sanitize(json.errorCode) ?? sanitize(json.error_code) ?? sanitize(nested) ?? null
}

function sanitize(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value
  return typeof text === 'string' && CODE_PATTERN.test(text) ? text : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
