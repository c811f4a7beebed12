import { AppError } from '../errors/app-error'
import { untrusted } from '../logging/request-log'

/**
 * Strict decoding of a webhook body (README "Parameters"): the bytes must be UTF-8 and one JSON text,
 * no object may name a member twice, and a JSON number given as `partition_id` must be written
 * as plain digits.
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
  const { duplicate, notPlain } = scan(text)
  if (duplicate) {
    throw new AppError('invalid_request', {
      detail: 'The webhook body is not valid: a JSON object names the same member twice',
      errors: [{ field: untrusted(duplicate.join('.')), message: 'is given more than once' }],
    })
  }
  for (const { path, source } of notPlain)
    value = replaceAt(value, path, new NotPlainDigits(source))
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

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** The key whose numbers must be plain digits (the only number the gateway interprets). */
const PARTITION_KEY = 'partition_id'
/** JSON forbids leading zeros, so in valid JSON this is exactly "a non-negative integer as written". */
const PLAIN_DIGITS = /^[0-9]+$/
const NUMBER_CHAR = /[0-9eE.+-]/

type Path = (string | number)[]
type Frame =
  | { kind: 'object'; keys: Set<string>; name: string; expectKey: boolean }
  | { kind: 'array'; index: number }

/** One pass over valid JSON text: the first duplicate key, and partition_id numbers not plain. */
function scan(text: string): { duplicate?: Path; notPlain: { path: Path; source: string }[] } {
  const stack: Frame[] = []
  const notPlain: { path: Path; source: string }[] = []
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
        if (top.keys.has(key)) return { duplicate: pathTo(key), notPlain }
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
      i = end - 1
    }
    // Anything else outside strings is whitespace, `:` or a letter of true/false/null.
  }
  return { notPlain }
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
