import { untrusted } from '../log'
import { AppError } from '../problems'

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

/**
 * Strict decoding of a webhook body (docs/api.md "Parameters"): the bytes must be UTF-8 and one
 * JSON text, no object may name a member twice, and a JSON number given as `partition_id` must be
 * written as plain digits.
 *
 * Why not `JSON.parse` alone: it keeps the *last* of two equal keys, so
 * `{"stream_name":"a","stream_name":"b"}` would reset `b` while anything that reads the first
 * (a log, a proxy, a person reviewing the payload) sees `a`; and it rounds numbers, so
 * `1.9999999999999999`, `2.0`, `2e0` and `-0` all arrive as the integer 2 (or 0) and would
 * reset a partition the sender never wrote.
 *
 * How: `JSON.parse` decides validity and builds the value; then one linear pass over the same,
 * now known-valid, text finds duplicate keys (compared decoded, so `"a"` and `"\u0061"` are
 * the same key) and the source text of every number written at a `partition_id` key. A number
 * there that is not plain digits is replaced by a `NotPlainDigits` holding its text, which no
 * schema accepts: the 400 comes from the body schema, with its field path, and only when the
 * body's partition_id is actually used: a client with a fixed target ignores the body's
 * content, so a `"partition_id": 2.0` in whatever event its sender emits does not fail it.
 *
 * Not the reviver's `context.source` (TC39 "JSON.parse source text access", in V8 ≥ 11.4, so
 * in Node 22 and workerd): a reviver walks the value recursively and overflows the stack on
 * nesting that fits in 16 KiB and that `JSON.parse` alone accepts (workerd: at 5 000 levels of
 * `[]`; 16 KiB holds 8 192); and it cannot see duplicate keys anyway. The tests use it as an
 * independent oracle for this scanner.
 *
 * Bounded: O(n) time, memory O(depth + keys) beyond the parsed value, no recursion.
 */
export function decodeStrictJson(body: Uint8Array): unknown {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new AppError('invalid_request', { detail: 'The webhook body is not valid UTF-8' })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new AppError('invalid_request', { detail: 'The webhook body is not valid JSON' })
  }
  const { duplicate, notPlain, texts } = scan(text)
  if (duplicate) {
    throw new AppError('invalid_request', {
      detail: 'The webhook body is not valid: a JSON object names the same member twice',
      errors: [{ field: untrusted(duplicate.join('.')), message: 'is given more than once' }],
    })
  }
  for (const { path, source } of notPlain)
    value = replaceAt(value, path, new NotPlainDigits(source))
  for (const { path, source } of texts) value = replaceAt(value, path, new NumberText(source))
  return value
}

/** A JSON number at a `partition_id` key not written as plain digits (`7.0`, `7e0`, `-0`, …). */
export class NotPlainDigits {
  /** The number exactly as the sender wrote it. */
  readonly source: string
  constructor(source: string) {
    this.source = source
  }
}

/**
 * A JSON number at a `shift_by` key, kept as written: a move's shift must be an integer as
 * written (`-500`, never `-5e2` or `-500.0`), which the parsed number cannot tell.
 */
export class NumberText {
  readonly source: string
  constructor(source: string) {
    this.source = source
  }
}

/** The key of a move's `to.shift_by` (docs/api.md "Moving a checkpoint"). */
const SHIFT_KEY = 'shift_by'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** The key whose numbers must be plain digits (the only number the gateway interprets). */
const PARTITION_KEY = 'partition_id'
/**
 * JSON forbids leading zeros, so in valid JSON this is exactly "a non-negative integer as written".
 */
const PLAIN_DIGITS = /^[0-9]+$/
const NUMBER_CHAR = /[0-9eE.+-]/

type Path = (string | number)[]
type Frame =
  | { kind: 'object'; keys: Set<string>; name: string; expectKey: boolean }
  | { kind: 'array'; index: number }

/** One pass over valid JSON text: the first duplicate key, and partition_id numbers not plain. */
function scan(text: string): {
  duplicate?: Path
  notPlain: { path: Path; source: string }[]
  texts: { path: Path; source: string }[]
} {
  const stack: Frame[] = []
  const notPlain: { path: Path; source: string }[] = []
  const texts: { path: Path; source: string }[] = []
  const pathTo = (last: string) => [...stack.slice(0, -1).map(step), last]
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    const top = stack.at(-1)
    if (c === '"') {
      const end = closingQuote(text, i)
      if (top?.kind === 'object' && top.expectKey) {
        const raw = text.slice(i + 1, end)
        // Escapes (`\u0061`, `\/`) are decoded by JSON.parse itself, so the comparison is exact.
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw
        if (top.keys.has(key)) return { duplicate: pathTo(key), notPlain, texts }
        top.keys.add(key)
        top.name = key
        top.expectKey = false
      }
      i = end
    } else if (c === '{') {
      stack.push({ kind: 'object', keys: new Set(), name: '', expectKey: true })
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0 })
    } else if (c === '}' || c === ']') {
      stack.pop()
    } else if (c === ',') {
      if (top?.kind === 'object') top.expectKey = true
      else if (top) top.index++
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1
      while (end < text.length && NUMBER_CHAR.test(text[end] as string)) end++
      const source = text.slice(i, end)
      if (top?.kind === 'object' && top.name === PARTITION_KEY && !PLAIN_DIGITS.test(source))
        notPlain.push({ path: pathTo(PARTITION_KEY), source })
      else if (top?.kind === 'object' && top.name === SHIFT_KEY)
        texts.push({ path: pathTo(SHIFT_KEY), source })
      i = end - 1
    }
    // Anything else outside strings is whitespace, `:` or a letter of true/false/null.
  }
  return { notPlain, texts }
}

function step(frame: Frame): string | number {
  return frame.kind === 'object' ? frame.name : frame.index
}

/** Index of the quote that closes the string starting at `start` (the text is valid JSON). */
function closingQuote(text: string, start: number): number {
  let i = start + 1
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
  return i
}

function replaceAt(root: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement
  let holder = root as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>
  holder[path.at(-1) as string | number] = replacement
  return root
}
