// Small HTTP helpers shared by the routes: one place writes responses, so the call log always
// learns the status that really went out.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Call, CallLog } from './calls.ts'

export interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  method: string
  path: string
  query: URLSearchParams
  body: string
  /**
   * 32 hex, echoed as X-Request-Id (GO3 reads it there: docs/upstream.md § DIS requests) and in
   * APIGW bodies.
   */
  requestId: string
  /** null for control requests, which are never logged. */
  call: Call | null
  calls: CallLog
}

export function newRequestId(): string {
  return randomBytes(16).toString('hex')
}

export interface Reply {
  status: number
  /** object → JSON; string → sent as is; undefined → no body. */
  body?: unknown
  headers?: Record<string, string>
}

export function send(ex: Exchange, reply: Reply): void {
  const { res } = ex
  if (res.headersSent || res.destroyed) return
  const headers: Record<string, string> = {}
  if (ex.call) headers['X-Request-Id'] = ex.requestId
  let payload: string | undefined
  if (typeof reply.body === 'string') payload = reply.body
  else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body)
    headers['Content-Type'] = 'application/json'
  }
  Object.assign(headers, reply.headers)
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload))
  res.writeHead(reply.status, headers)
  if (ex.call) ex.calls.finish(ex.call, reply.status)
  res.end(payload)
}

/** Resolves after `ms`, or early when the signal aborts (instance closing, client gone). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

export const MAX_BODY_BYTES = 1024 * 1024

/** Reads the whole body as UTF-8; null when it exceeds MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    // keep draining an oversized body so the connection can still carry the 413
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer)
  }
  return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')
}

export function queryRecord(query: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [k, v] of query) {
    const list = out[k] ?? []
    list.push(v)
    out[k] = list
  }
  return out
}

export function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}
