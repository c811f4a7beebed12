import { AppError } from '../errors/app-error'

export interface BodyLimits {
  maxBytes: number
  /** The whole body must have arrived within this long. */
  timeoutMs: number
  /** What the 408 says when the time runs out (default: "… within {timeoutMs} s"). */
  timeoutDetail?: string
}

/**
 * Reads a request body completely, bounded in size and time (OWASP API4, slowloris-style
 * attacks): an unauthenticated sender that trickles bytes would otherwise hold a request open
 * for as long as it likes. Over the size → 413 (checked from `Content-Length` first, then while
 * streaming, so a chunked body cannot bypass it); not complete in time → 408.
 */
export async function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = request.headers.get('content-length')
  if (declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > limits.maxBytes) {
    throw tooLarge(limits.maxBytes)
  }
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  let timedOut = false
  const timer = setTimeout(
    () => {
      timedOut = true
      reader.cancel().catch(() => undefined)
    },
    Math.max(0, limits.timeoutMs)
  )
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > limits.maxBytes) {
        await reader.cancel().catch(() => undefined)
        throw tooLarge(limits.maxBytes)
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof AppError) throw error
    if (timedOut) throw timeout(limits)
    throw new AppError('invalid_request', { detail: 'The request body could not be read' })
  } finally {
    clearTimeout(timer)
  }
  if (timedOut) throw timeout(limits)
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', { detail: `The body must be at most ${maxBytes} bytes` })
}

function timeout(limits: BodyLimits): AppError {
  return new AppError('request_timeout', {
    detail:
      limits.timeoutDetail ??
      `The request body did not arrive completely within ${limits.timeoutMs / 1000} s`,
  })
}
