import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/problems'
import { decodeStrictJson, NotPlainDigits } from '../../../src/webhooks/body'
import { decodeJsonBody, parseWebhookPayload } from '../../../src/webhooks/payload'
import { NON_PLAIN_JSON_NUMBERS } from '../../support/inputs'

const encode = (text: string) => new TextEncoder().encode(text)
const decode = (text: string) => decodeStrictJson(encode(text))

/** The AppError a decode throws (fails the test if it does not throw one). */
function rejection(text: string | Uint8Array): AppError {
  try {
    decodeStrictJson(typeof text === 'string' ? encode(text) : text)
  } catch (error) {
    if (error instanceof AppError) return error
    throw error
  }
  throw new Error(`accepted: ${String(text)}`)
}

const flat = (partition: string) =>
  `{"stream_name":"orders","app_name":"billing","partition_id":${partition}}`
const envelope = (data: string) => `{"type":"t","timestamp":"1","data":${data}}`

describe('decodeStrictJson', () => {
  it('is what the webhook route calls (decodeJsonBody)', () => {
    expect(decodeJsonBody).toBe(decodeStrictJson)
  })

  it('decodes valid JSON as JSON.parse does', () => {
    expect(decode(flat('7'))).toEqual({
      stream_name: 'orders',
      app_name: 'billing',
      partition_id: 7,
    })
    expect(decode('\uFEFF[1, "a", null, true, {"x": -1.5e3}]')).toEqual([
      1,
      'a',
      null,
      true,
      { x: -1500 },
    ])
  })

  it.each([
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'The webhook body is not valid UTF-8'],
    ['a lone surrogate in UTF-8', new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), 'UTF-8'],
    ['empty', encode(''), 'not valid JSON'],
    ['truncated', encode('{"a":'), 'not valid JSON'],
    ['two texts', encode('{} {}'), 'not valid JSON'],
    ['a trailing comma', encode('{"a":1,}'), 'not valid JSON'],
    ['a leading zero', encode('{"partition_id":07}'), 'not valid JSON'],
  ])('rejects %s with invalid_request', (_what, bytes, detail) => {
    const error = rejection(bytes)
    expect(error.code).toBe('invalid_request')
    expect(error.options.detail).toContain(detail)
  })

  it.each([
    ['at the top level', '{"stream_name":"a","app_name":"x","stream_name":"b"}', 'stream_name'],
    ['inside data', envelope('{"stream_name":"a","stream_name":"b"}'), 'data.stream_name'],
    ['in the envelope', '{"type":"t","data":{},"type":"u"}', 'type'],
    ['written with an escape', '{"app_name":"a","\\u0061pp_name":"b"}', 'app_name'],
    ['with equal values', '{"partition_id":1,"partition_id":1}', 'partition_id'],
    ['in an object inside an array', '{"list":[{},{"k":1,"k":2}]}', 'list.1.k'],
    ['deep down', `${'{"a":'.repeat(20)}{"z":1,"z":2}${'}'.repeat(20)}`, `${'a.'.repeat(20)}z`],
    ['after a nested object', '{"a":{"b":1},"a":2}', 'a'],
    ['of an empty name', '{"":1,"":2}', ''],
    ['named __proto__', '{"__proto__":1,"__proto__":2}', '__proto__'],
  ])('rejects a duplicated key %s, naming it', (_where, text, field) => {
    const error = rejection(text)
    expect(error.code).toBe('invalid_request')
    expect(error.options.errors).toEqual([{ field, message: 'is given more than once' }])
  })

  it.each([
    ['the same key in sibling objects', '{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}'],
    ['a key equal to a value', '{"a":"a","b":"a"}'],
    ['keys differing only in case', '{"Stream_name":1,"stream_name":2}'],
    ['quotes and escapes inside strings', '{"a\\"":"\\"b\\\\","a":"{\\"a\\":1}"}'],
    ['a key that is a prefix of another', '{"a":1,"ab":2}'],
  ])('accepts %s', (_what, text) => {
    expect(decode(text)).toEqual(JSON.parse(text))
  })

  it.each([...NON_PLAIN_JSON_NUMBERS, '-7', '1e1'])(
    'marks a partition_id written as %s (not plain digits), at the top level and inside data',
    (number) => {
      const top = decode(flat(number)) as Record<string, unknown>
      expect(top.partition_id).toEqual(new NotPlainDigits(number))
      const nested = decode(envelope(flat(number))) as { data: Record<string, unknown> }
      expect(nested.data.partition_id).toEqual(new NotPlainDigits(number))
    }
  )

  it.each(['0', '7', '2147483647', '2147483648', '12345678901234567890'])(
    'keeps a partition_id written as plain digits (%s) a number',
    (number) => {
      expect((decode(flat(number)) as Record<string, unknown>).partition_id).toBe(Number(number))
    }
  )

  it('leaves other numbers, and partition_id strings, as JSON.parse reads them', () => {
    const text = '{"n":2.0,"m":[-0,1e3],"partition_id":"7.0","o":{"x":1.9999999999999999}}'
    expect(decode(text)).toEqual(JSON.parse(text))
  })

  it('accepts nesting that a recursive JSON.parse reviver would overflow on', () => {
    const text = `${'['.repeat(8_000)}${']'.repeat(8_000)}`
    expect(() => JSON.parse(text, (_key, value) => value)).toThrow(RangeError)
    expect(() => decode(text)).not.toThrow()
  })

  it('a 16 KiB body decodes in well under a millisecond per KiB', () => {
    const body = `{"pad":[${Array.from({ length: 1_600 }, (_, i) => `{"k${i}":${i}}`).join(',')}]}`
    expect(body.length).toBeGreaterThan(16_000)
    const started = performance.now()
    for (let run = 0; run < 20; run++) decode(body)
    expect((performance.now() - started) / 20).toBeLessThan(50)
  })
})

describe('the webhook payload schema with strictly decoded bodies', () => {
  it.each(NON_PLAIN_JSON_NUMBERS)(
    'refuses partition_id %s with a message naming plain digits',
    (number) => {
      for (const text of [flat(number), envelope(flat(number))]) {
        let error: unknown
        try {
          parseWebhookPayload(decodeJsonBody(encode(text)))
        } catch (caught) {
          error = caught
        }
        expect(error).toBeInstanceOf(AppError)
        const { field, message } = (error as AppError).options.errors?.[0] ?? {}
        expect(field).toBe(text.startsWith('{"type"') ? 'data.partition_id' : 'partition_id')
        expect(message).toMatch(/plain digits/)
      }
    }
  )

  it('accepts partition_id 7 as shardId-0000000007', () => {
    expect(parseWebhookPayload(decodeJsonBody(encode(flat('7')))).partition_id).toBe(
      'shardId-0000000007'
    )
  })
})

/**
 * Generated JSON texts, with the structure kept alongside so the expected answer is known:
 * keys may repeat (sometimes spelled with escapes), numbers are written in every JSON form, and
 * whitespace is sprinkled everywhere JSON allows it.
 */
type Tree =
  | { kind: 'leaf'; text: string }
  | { kind: 'array'; items: Tree[] }
  | { kind: 'object'; entries: { key: string; spelling: string; value: Tree }[] }

const ws = fc.constantFrom('', ' ', '\n', '\t', '\r\n  ')
const numberText = fc.oneof(
  fc.constantFrom('0', '7', '-0', '2.0', '2e0', '2E+0', '1.9999999999999999', '-1', '1e-7'),
  fc.nat().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n))
)
const leaf = fc.oneof(
  numberText,
  fc.string().map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null')
)
const keyName = fc.oneof(
  { arbitrary: fc.constant('partition_id'), weight: 2 },
  {
    arbitrary: fc.constantFrom('data', 'stream_name', 'a', '', '__proto__', 'a"b', 'é'),
    weight: 2,
  },
  { arbitrary: fc.string({ maxLength: 4 }), weight: 1 }
)
/** The key as JSON text: plainly, or with some characters as \u escapes. */
const spelled = (key: string) =>
  fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }).map((escapes) => {
    const unicode = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
    const chars = key
      .split('')
      .map((ch, i) => (escapes[i] || ch === '"' || ch === '\\' || ch < ' ' ? unicode(ch) : ch))
    return `"${chars.join('')}"`
  })

const { tree } = fc.letrec<{ tree: Tree; entry: { key: string; spelling: string; value: Tree } }>(
  (tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf.map((text) => ({ kind: 'leaf' as const, text })),
      fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({ kind: 'array' as const, items })),
      fc
        .array(tie('entry'), { maxLength: 5 })
        .map((entries) => ({ kind: 'object' as const, entries }))
    ),
    entry: keyName.chain((key) =>
      fc.record({ key: fc.constant(key), spelling: spelled(key), value: tie('tree') })
    ),
  })
)

function render(t: Tree, space: string): string {
  if (t.kind === 'leaf') return t.text
  if (t.kind === 'array')
    return `[${space}${t.items.map((i) => render(i, space)).join(`,${space}`)}]`
  const members = t.entries.map((e) => `${e.spelling}${space}:${space}${render(e.value, space)}`)
  return `{${space}${members.join(`${space},`)}${space}}`
}

function hasDuplicate(t: Tree): boolean {
  if (t.kind === 'leaf') return false
  if (t.kind === 'array') return t.items.some(hasDuplicate)
  const keys = t.entries.map((e) => e.key)
  return new Set(keys).size !== keys.length || t.entries.some((e) => hasDuplicate(e.value))
}

/**
 * The oracle: V8's own tokenizer, through the reviver's source text (TC39 "JSON.parse source
 * text access", present in Node 22), marks partition_id numbers that are not plain digits.
 */
function oracle(text: string): unknown {
  return JSON.parse(text, (key, value, context?: { source?: string }) =>
    key === 'partition_id' && typeof value === 'number' && !/^[0-9]+$/.test(context?.source ?? '')
      ? new NotPlainDigits(context?.source ?? '')
      : value
  )
}

describe('decodeStrictJson properties', () => {
  it('the oracle is available here (reviver source text access)', () => {
    expect(oracle('{"partition_id":2.0}')).toEqual({ partition_id: new NotPlainDigits('2.0') })
  })

  it('rejects exactly the texts with a duplicated key, else returns what the oracle reads', () => {
    fc.assert(
      fc.property(tree, ws, (t, space) => {
        const text = render(t, space)
        if (hasDuplicate(t)) {
          expect(rejection(text).options.errors?.[0]?.message).toBe('is given more than once')
        } else {
          expect(decode(text)).toStrictEqual(oracle(text))
        }
      }),
      { numRuns: 3_000 }
    )
  })

  it('a partition_id number in any JSON form, at any depth, is read as the oracle reads it', () => {
    fc.assert(
      fc.property(numberText, fc.nat(3), ws, (number, depth, space) => {
        const text = `${`{"data":${space}[`.repeat(depth)}{${space}"partition_id"${space}:${space}${number}${space}}${']}'.repeat(depth)}`
        expect(decode(text)).toStrictEqual(oracle(text))
      }),
      { numRuns: 2_000 }
    )
  })

  it('any JSON value JSON.stringify writes decodes to itself', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(4), (value, indent) => {
        const text = JSON.stringify(value, null, indent)
        expect(decode(text)).toStrictEqual(oracle(text))
        if (!text.includes('"partition_id"')) expect(decode(text)).toEqual(JSON.parse(text))
      }),
      { numRuns: 1_000 }
    )
  })

  it('any byte string is either decoded or refused as invalid_request, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeStrictJson(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(AppError)
          expect((error as AppError).code).toBe('invalid_request')
        }
      }),
      { numRuns: 2_000 }
    )
  })
})
