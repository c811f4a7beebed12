import { Validator as JsonSchemaValidator } from '@cfworker/json-schema'
import { Validator as OpenApiValidator } from '@seriousme/openapi-schema-validator'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type * as z from 'zod/mini'
import committed from '../../public/openapi.json'
import { buildOpenApiDocument } from '../../scripts/openapi/document.ts'
import type {
  CheckpointsSchema,
  LedgerEntrySchema,
  ReceiptSchema,
  UndoSchema,
} from '../../scripts/openapi/response-schemas.ts'
import { ANY_PATH_PROBLEMS, ROUTES } from '../../scripts/openapi/routes.ts'
import type { publicEntry } from '../../src/ledger/entry'
import { CheckpointQuerySchema, MAX_PARTITION } from '../../src/model/checkpoint-target'
import { PROBLEM_DOCS, PROBLEMS, type ProblemCode } from '../../src/problems'
import type { ResetReceipt } from '../../src/reset/perform-reset'
import type { readCheckpoints } from '../../src/reset/read'
import type { performUndo } from '../../src/reset/undo'
import { flatSchema } from '../../src/webhooks/payload'

type Json = Record<string, unknown>
const document = buildOpenApiDocument()

/** One operation of the document (fails the test if it is missing). */
function operationOf(path: string, method: string) {
  const found = document.paths[path]?.[method]
  if (!found) throw new Error(`no ${method} ${path} in the document`)
  return found
}

type ProblemResponse = {
  description: string
  headers: Json
  content: {
    'application/problem+json': {
      schema: { allOf: [unknown, { properties: { code: { enum: ProblemCode[] } } }] }
    }
  }
}

/** A response of components.responses, by its `$ref` (operations share problem responses). */
function resolved(response: Json): Json {
  const ref = response.$ref
  if (typeof ref !== 'string') return response
  const name = ref.replace('#/components/responses/', '')
  const found = (document.components.responses as Record<string, Json>)[name]
  if (!found) throw new Error(`unresolved ${ref}`)
  return found
}

/** An operation's responses by status, references resolved. */
function responsesOf(path: string, method: string): Record<string, Json> {
  const responses = operationOf(path, method).responses as Record<string, Json>
  return Object.fromEntries(Object.entries(responses).map(([s, r]) => [s, resolved(r)]))
}

const codesOf = (response: Json) =>
  (response as ProblemResponse).content?.['application/problem+json']?.schema.allOf[1].properties
    .code.enum ?? []

/** The codes of a response type `T` widened to string: the code builds them as strings. */
type WidenCodes<T> = T extends ProblemCode
  ? string
  : T extends readonly (infer U)[]
    ? WidenCodes<U>[]
    : T extends object
      ? { [K in keyof T]: WidenCodes<T[K]> }
      : T
const BASE = 'https://gateway.test/openapi.json'

/** A JSON Schema validator for one schema of the document, `$ref`s resolved within it. */
function validatorAt(pointer: string) {
  const validator = new JsonSchemaValidator({ $ref: `${BASE}#${pointer}` }, '2020-12')
  validator.addSchema({ ...document, $id: BASE })
  return (value: unknown) => validator.validate(value).valid
}

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1, with every $ref resolvable', async () => {
    const validator = new OpenApiValidator()
    const result = await validator.validate(structuredClone(document) as Json)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    expect(() => validator.resolveRefs()).not.toThrow()
  })

  it('is what public/openapi.json holds (else run: npm run openapi)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)))
  })

  it('has every operation of the route table, and nothing else', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`)
    )
    expect(operations).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`))
  })

  it("lists each route's problem codes under their statuses", () => {
    for (const route of ROUTES) {
      const responses = responsesOf(route.path, route.method)
      const documented = Object.entries(responses).flatMap(([status, response]) => {
        const codes = codesOf(response)
        for (const code of codes) expect(String(PROBLEMS[code].status)).toBe(status)
        return codes
      })
      expect(documented.sort(), `${route.method} ${route.path}`).toEqual([...route.problems].sort())
    }
    for (const code of ANY_PATH_PROBLEMS)
      expect(codesOf(resolved({ $ref: `#/components/responses/${code}` }))).toEqual([code])
  })

  it('answers every code of src/problems.ts on some route, and says when', () => {
    const routed = new Set([...ROUTES.flatMap((r) => r.problems), ...ANY_PATH_PROBLEMS])
    expect(Object.keys(PROBLEMS).filter((code) => !routed.has(code as ProblemCode))).toEqual([])
    for (const response of Object.values(document.components.responses as Record<string, Json>)) {
      for (const code of codesOf(response))
        expect(response.description).toContain(`${code}: ${PROBLEM_DOCS[code].when}`)
    }
    for (const [code, { status }] of Object.entries(PROBLEMS))
      expect(document.info.description).toContain(`${code} (${status})`)
  })

  it('sends the headers each code carries (Retry-After, Allow) wherever it is answered', () => {
    const responses = Object.values(document.components.responses as Record<string, Json>)
    for (const response of responses) {
      for (const code of codesOf(response)) {
        for (const header of PROBLEM_DOCS[code].headers ?? [])
          expect(Object.keys(response.headers as Json), code).toContain(header)
      }
    }
    // The contract's list (§2): throttling, unavailability, the replay guard's 409 and a
    // partition's lease.
    const withRetryAfter = Object.entries(PROBLEM_DOCS)
      .filter(([, docs]) => docs.headers?.includes('Retry-After'))
      .map(([code]) => code)
    expect(withRetryAfter.sort()).toEqual(
      [
        'delivery_in_progress',
        'partition_busy',
        'rate_limited',
        'state_unavailable',
        'upstream_unavailable',
      ].sort()
    )
    expect(PROBLEM_DOCS.method_not_allowed.headers).toEqual(['Allow'])
    const undo = responsesOf('/v1/resets/{reset_id}/undo', 'post')
    expect(Object.keys(undo['409']?.headers as Json)).toContain('Retry-After')
  })

  it('sends the bearer challenge on every bearer route, and only there', () => {
    const challenge = (path: string, method: string, status: string) =>
      Object.keys((responsesOf(path, method)[status]?.headers ?? {}) as Json).includes(
        'WWW-Authenticate'
      )
    const bearer = ROUTES.filter((r) => r.auth === 'bearer')
    expect(bearer.map((r) => `${r.method} ${r.path}`)).toEqual([
      'delete /v1/checkpoints',
      'get /v1/checkpoints',
      'get /v1/resets',
      'post /v1/resets',
      'get /v1/resets/{reset_id}',
      'post /v1/resets/{reset_id}/undo',
    ])
    for (const route of bearer) {
      expect(challenge(route.path, route.method, '401'), route.path).toBe(true)
      expect(challenge(route.path, route.method, '400'), route.path).toBe(true)
    }
    expect(challenge('/v1/hooks/{client_id}', 'post', '401')).toBe(false)
    expect(challenge('/v1/hooks/{client_id}', 'post', '400')).toBe(false)
  })

  it('describes every request field and mirrors each query schema as parameters', () => {
    const schemas = document.components.schemas as Record<string, Json>
    const request = [
      'CheckpointQuery',
      'ReadQuery',
      'ResetListQuery',
      'UndoQuery',
      'WebhookFlatBody',
      'WebhookEnvelopeBody',
    ]
    for (const id of request) {
      for (const [name, property] of Object.entries(schemas[id]?.properties as Json)) {
        expect((property as Json).description, `${id}.${name}`).toBeTypeOf('string')
      }
    }
    const withQuery = ROUTES.filter((r) => r.query)
    expect(withQuery.map((r) => r.query)).toEqual([
      'CheckpointQuery',
      'ReadQuery',
      'ResetListQuery',
      'UndoQuery',
    ])
    for (const route of withQuery) {
      const query = schemas[route.query ?? ''] as Json & { properties: Json; required?: string[] }
      expect(query.additionalProperties).toBe(false)
      const parameters = (operationOf(route.path, route.method).parameters as Json[]).filter(
        (p) => p.in === 'query'
      )
      expect(parameters.map((p) => p.name)).toEqual(Object.keys(query.properties))
      expect(parameters.filter((p) => p.required).map((p) => p.name)).toEqual(query.required ?? [])
    }
    // The read takes the DELETE's parameters but dry_run; /v1/resets/{reset_id} takes none.
    expect(Object.keys((schemas.ReadQuery as { properties: Json }).properties)).toEqual([
      'stream_name',
      'app_name',
      'partition_id',
      'checkpoint_type',
    ])
    const get = operationOf('/v1/resets/{reset_id}', 'get').parameters as Json[]
    expect(get.filter((p) => p.in === 'query')).toEqual([])
  })

  it('the response schemas cover every answer the code can build', () => {
    expectTypeOf<ResetReceipt>().toExtend<z.output<typeof ReceiptSchema>>()
    expectTypeOf<Awaited<ReturnType<typeof readCheckpoints>>>().toExtend<
      z.output<typeof CheckpointsSchema>
    >()
    expectTypeOf<ReturnType<typeof publicEntry>>().toExtend<
      WidenCodes<z.output<typeof LedgerEntrySchema>>
    >()
    expectTypeOf<Awaited<ReturnType<typeof performUndo>> & { request_id: string }>().toExtend<
      WidenCodes<z.output<typeof UndoSchema>>
    >()
    const receipt = validatorAt('/components/schemas/Receipt')
    const base = {
      stream_name: 'orders',
      app_name: 'billing',
      checkpoint_type: 'LAST_READ',
      partitions: ['shardId-0000000007'],
      request_id: 'r',
    }
    expect(receipt({ ...base, dry_run: true })).toBe(true)
    const previous = [{ partition_id: 'shardId-0000000007', sequence_number: null }]
    expect(receipt({ ...base, reset_id: `rst_${'a'.repeat(26)}`, previous })).toBe(true)
    expect(receipt({ ...base, reset_id: 'rst_x' })).toBe(false)
    expect(receipt({ ...base, previous: [{ partition_id: '7', sequence_number: '1' }] })).toBe(
      false
    )
    expect(receipt({ stream_name: 'orders' })).toBe(false)
  })
})

/**
 * partition_id is validated by a pattern (which zod writes into the document) and then an exact
 * check that the pattern cannot express readably: n ≤ 2147483647. The document may therefore
 * accept more than the gateway, never less, and only by 10-digit numbers above that bound; for
 * JSON integers the bound is in the document (maximum), so there they agree exactly.
 */
describe('the documented partition_id rule agrees with the route schemas', () => {
  const inQuery = validatorAt('/components/schemas/CheckpointQuery/properties/partition_id')
  const inBody = validatorAt('/components/schemas/WebhookFlatBody/properties/partition_id')
  const querySchema = CheckpointQuerySchema.shape.partition_id
  const bodySchema = flatSchema().shape.partition_id

  const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 12 })
  const near = fc.oneof(
    digits,
    digits.map((d) => `shardId-${d}`),
    fc.integer({ min: MAX_PARTITION - 3, max: 9_999_999_999 }).map(String),
    fc.integer({ min: MAX_PARTITION - 3, max: 9_999_999_999 }).map((n) => `shardId-${n}`),
    fc.constantFrom('all', 'ALL', 'All', ' all', 'shardid-7', 'SHARDID-7', '+7', '-7', '1e3'),
    fc.constantFrom('0x1', '7.0', '７', '٣', '7\n', ' 7', 'shardId-', 'shardId-7 ', ''),
    fc.string({ maxLength: 14 })
  )
  /** The partition number a string form names, if it is one (digits, maybe after shardId-). */
  const numberOf = (value: string) => /^(?:shardId-)?([0-9]{1,10})$/.exec(value)?.[1]

  it('for strings (query and body): the document admits a superset, only by numbers > 2^31 - 1', () => {
    fc.assert(
      fc.property(near, (value) => {
        for (const [documented, schema] of [
          [inQuery(value), querySchema],
          [inBody(value), bodySchema],
        ] as const) {
          const accepted = schema.safeParse(value).success
          if (accepted) expect(documented).toBe(true)
          if (documented && !accepted)
            expect(Number(numberOf(value))).toBeGreaterThan(MAX_PARTITION)
          // Where n fits 32 bits, the two agree exactly.
          const n = numberOf(value)
          if (n === undefined || Number(n) <= MAX_PARTITION) expect(documented).toBe(accepted)
        }
      }),
      { numRuns: 3_000 }
    )
  })

  it('the validated value is the canonical selector', () => {
    expect(querySchema.parse('007')).toBe('shardId-0000000007')
    expect(querySchema.parse('all')).toBe('all')
    expect(bodySchema.parse(7)).toBe('shardId-0000000007')
    expect(bodySchema.parse('shardId-2147483647')).toBe('shardId-2147483647')
    expect(bodySchema.safeParse('shardId-2147483648').success).toBe(false)
  })

  it('for JSON numbers (body): exactly', () => {
    const numbers = fc.oneof(
      fc.integer({ min: -5, max: 20 }),
      fc.integer({ min: MAX_PARTITION - 5, max: MAX_PARTITION + 5 }),
      fc.constantFrom(9_999_999_999, 10_000_000_000, -0, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER),
      fc.double({ noNaN: true, noDefaultInfinity: true })
    )
    fc.assert(
      fc.property(numbers, (value) => {
        expect(inBody(value)).toBe(bodySchema.safeParse(value).success)
      }),
      { numRuns: 1_000 }
    )
  })
})
