/**
 * One upstream HTTP attempt, bounded in time and size.
 *
 * - The timeout covers connecting *and* reading the body (a slow body is as bad as no answer).
 *   It uses AbortController + setTimeout cleared in `finally`, not `AbortSignal.timeout`, which
 *   keeps the request context alive for the full timeout in workerd (workerd#4936).
 * - `redirect: 'manual'`: the Fetch standard strips only `Authorization` on a cross-origin
 *   redirect, so `X-Auth-Token` would follow one to any host (OWASP API10). A redirect is
 *   returned to the caller of this function as a plain 3xx, which the gateway treats as an error.
 * - At most MAX_BODY_BYTES (or the caller's bound) of the body are read; the rest is cancelled, so a hostile or broken
 *   upstream cannot make us buffer without limit.
 */
export const MAX_BODY_BYTES = 16 * 1024

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
