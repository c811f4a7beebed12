const MAX_BODY_BYTES = 16 * 1024

export interface AttemptRequest {
  url: string
  method: 'GET' | 'POST' | 'DELETE'
  headers: Record<string, string>
  body?: string
}

export type AttemptOutcome =
  | { kind: 'response'; status: number; headers: Headers; body: string }
  | { kind: 'network' }
  | { kind: 'timeout' }

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/**
 * One upstream HTTP attempt, bounded in time and size.
 *
 * - The timeout covers connecting *and* reading the body (a slow body is as bad as no answer).
 *   It uses AbortController + setTimeout cleared in `finally`, not `AbortSignal.timeout`, which
 *   keeps the request context alive for the full timeout in workerd (workerd#4936).
 * - `redirect: 'manual'`: the Fetch standard strips only `Authorization` on a cross-origin
 *   redirect, so `X-Auth-Token` would follow one to any host (OWASP API10). A redirect is
 *   returned to the caller of this function as a plain 3xx, which the gateway treats as an error.
 * - At most MAX_BODY_BYTES (or the caller's bound) of the body are read; the rest is cancelled, so
 *   a hostile or broken upstream cannot make us buffer without limit.
 */
export async function attempt(
  fetchImpl: FetchLike,
  request: AttemptRequest,
  timeoutMs: number,
  maxBodyBytes = MAX_BODY_BYTES
): Promise<AttemptOutcome> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  try {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: controller.signal,
    })
    const body = await readBounded(response, maxBodyBytes)
    return { kind: 'response', status: response.status, headers: response.headers, body }
  } catch {
    return timedOut ? { kind: 'timeout' } : { kind: 'network' }
  } finally {
    clearTimeout(timer)
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return ''
  // Declared small enough (DIS answers are tens of bytes): read it in one go. The runtime
  // enforces Content-Length, so it cannot send more than it declared.
  const declared = response.headers.get('content-length')
  if (declared !== null && /^[0-9]{1,9}$/.test(declared) && Number(declared) <= maxBytes) {
    return response.text()
  }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    if (size >= maxBytes) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes))
  let offset = 0
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset)
    bytes.set(part, offset)
    offset += part.length
    if (offset >= bytes.length) break
  }
  return new TextDecoder().decode(bytes)
}

/**
 * Retry timing (docs/api.md "Retries and deadlines"). Pure: the clock and the random source
 * are passed in, so the policy is unit-tested without waiting.
 *
 * - at most 3 attempts per upstream call, one retry layer (the gateway's, never the caller's);
 * - each attempt has its own timeout, and all attempts, backoffs and the IAM exchange share one
 *   overall deadline, kept below common client timeouts (10–30 s) so callers get our answer;
 * - full-jitter exponential backoff (AWS Architecture Blog "Exponential Backoff And Jitter"):
 *   delay = random() · min(maxDelay, base · 2^(retry−1)), with a larger base when throttled;
 * - `Retry-After` (RFC 9110 §10.2.3) is honoured only when waiting still leaves time for an
 *   attempt before the deadline; otherwise we stop and pass it on to the caller.
 */
export interface RetryPolicy {
  maxAttempts: number
  attemptTimeoutMs: number
  deadlineMs: number
  baseDelayMs: number
  throttledBaseDelayMs: number
  maxDelayMs: number
  /** Do not start an attempt with less time than this left before the deadline. */
  minAttemptMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  attemptTimeoutMs: 3_000,
  deadlineMs: 8_000,
  baseDelayMs: 100,
  throttledBaseDelayMs: 500,
  maxDelayMs: 2_000,
  minAttemptMs: 250,
}

/** Full-jitter delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  throttled: boolean,
  random: () => number
): number {
  const base = throttled ? policy.throttledBaseDelayMs : policy.baseDelayMs
  const ceiling = Math.min(policy.maxDelayMs, base * 2 ** (retry - 1))
  return Math.floor(random() * ceiling)
}

/**
 * Parses `Retry-After` (delay-seconds or HTTP-date) into milliseconds from `now`.
 * Returns undefined for anything else, so a garbage header never stalls a request.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^[0-9]{1,9}$/.test(text)) return Number(text) * 1000
  if (!/^[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/.test(text))
    return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export interface RetryDecisionInput {
  policy: RetryPolicy
  /** Attempts made so far (≥ 1). */
  attempts: number
  throttled: boolean
  retryAfterMs: number | undefined
  /** Time left before the overall deadline. */
  remainingMs: number
  random: () => number
}

/** How long to wait before the next attempt, or `undefined` when we must stop now. */
export function nextRetryDelay(input: RetryDecisionInput): number | undefined {
  const { policy, attempts, remainingMs } = input
  if (attempts >= policy.maxAttempts) return undefined
  const jitter = backoffDelay(policy, attempts, input.throttled, input.random)
  const delay = input.retryAfterMs === undefined ? jitter : Math.max(jitter, input.retryAfterMs)
  if (delay + policy.minAttemptMs > remainingMs) return undefined
  return delay
}

/** Seconds to tell the caller in `Retry-After`, clamped to a sane range. */
export function retryAfterSeconds(
  retryAfterMs: number | undefined,
  fallbackSeconds: number
): string {
  if (retryAfterMs === undefined) return String(fallbackSeconds)
  return String(Math.min(3600, Math.max(1, Math.ceil(retryAfterMs / 1000))))
}
