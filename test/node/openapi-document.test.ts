import { Validator as JsonSchemaValidator } from '@cfworker/json-schema'
import { Validator as OpenApiValidator } from '@seriousme/openapi-schema-validator'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type * as z from 'zod/mini'
import { buildOpenApiDocument } from '../../scripts/openapi/document.ts'
import type { ReceiptSchema } from '../../scripts/openapi/response-schemas.ts'
import { ANY_PATH_PROBLEMS, ROUTES } from '../../scripts/openapi/routes.ts'
import { PROBLEMS, type ProblemCode } from '../../src/errors/codes'
import committed from '../../src/openapi/openapi.generated.json'
import type { ResetReceipt } from '../../src/reset/perform-reset'
import { CheckpointQuerySchema } from '../../src/validation/checkpoint-request'
import { MAX_PARTITION } from '../../src/validation/partition-id'
import { FlatSchema } from '../../src/webhooks/payload'

type Json = Record<string, unknown>
const document = buildOpenApiDocument()

/**
 * Codes of routes not in the route table yet (contract §7: /v1/resets…). They are documented in
 * components.examples only; whoever adds those routes lists the codes on them and empties this.
 */
const NOT_YET_ROUTED: string[] = [
  'reset_not_found',
  'already_undone',
  'undo_conflict',
  'sequence_expired',
]

/** One operation of the document (fails the test if it is missing). */
function operationOf(path: string, method: string) {
  const found = document.paths[path]?.[method]
  if (!found) throw new Error(`no ${method} ${path} in the document`)
  return found
}
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

  it('is what src/openapi/openapi.generated.json holds (else run: npm run openapi)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)))
  })

  it('has every operation of the route table, and nothing else', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`)
    )
    expect(operations).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`))
  })

  it('documents every problem code with the status and title of src/errors/codes.ts', () => {
    const examples = document.components.examples as Record<string, { value: Json }>
    expect(Object.keys(examples)).toEqual(Object.keys(PROBLEMS))
    for (const [code, { status, title }] of Object.entries(PROBLEMS))
      expect(examples[code]?.value).toMatchObject({ code, status, title })
  })

  it("lists each route's problem codes under their statuses", () => {
    for (const route of ROUTES) {
      const responses = operationOf(route.path, route.method).responses as Record<string, Json>
      const documented = Object.entries(responses).flatMap(([status, response]) => {
        const schema = (response.content as Json | undefined)?.['application/problem+json'] as
          | { schema: { allOf: [unknown, { properties: { code: { enum: string[] } } }] } }
          | undefined
        const codes = schema?.schema.allOf[1].properties.code.enum ?? []
        for (const code of codes) expect(String(PROBLEMS[code as ProblemCode].status)).toBe(status)
        return codes
      })
      expect(documented.sort(), `${route.method} ${route.path}`).toEqual([...route.problems].sort())
    }
    const responses = document.components.responses as Record<string, Json>
    expect(Object.keys(responses)).toEqual(ANY_PATH_PROBLEMS)
  })

  it('answers every code on some route, except those of routes not documented yet', () => {
    const routed = new Set([...ROUTES.flatMap((r) => r.problems), ...ANY_PATH_PROBLEMS])
    const unrouted = Object.keys(PROBLEMS).filter((code) => !routed.has(code as ProblemCode))
    expect(unrouted).toEqual(NOT_YET_ROUTED.filter((code) => code in PROBLEMS))
  })

  it('sends the bearer challenge only on the bearer route', () => {
    const challenge = (path: string, method: string, status: string) =>
      Object.keys(
        ((operationOf(path, method).responses as Record<string, Json>)[status]?.headers ??
          {}) as Json
      ).includes('WWW-Authenticate')
    expect(challenge('/v1/checkpoints', 'delete', '401')).toBe(true)
    expect(challenge('/v1/checkpoints', 'delete', '400')).toBe(true)
    expect(challenge('/v1/hooks/{client_id}', 'post', '401')).toBe(false)
    expect(challenge('/v1/hooks/{client_id}', 'post', '400')).toBe(false)
  })

  it('describes every request field and mirrors the query schema as parameters', () => {
    const schemas = document.components.schemas as Record<string, Json>
    for (const id of ['CheckpointQuery', 'WebhookFlatBody', 'WebhookEnvelopeBody']) {
      for (const [name, property] of Object.entries(schemas[id]?.properties as Json)) {
        expect((property as Json).description, `${id}.${name}`).toBeTypeOf('string')
      }
    }
    const query = schemas.CheckpointQuery as Json & { properties: Json; required: string[] }
    expect(query.additionalProperties).toBe(false)
    const parameters = (operationOf('/v1/checkpoints', 'delete').parameters as Json[]).filter(
      (p) => p.in === 'query'
    )
    expect(parameters.map((p) => p.name)).toEqual(Object.keys(query.properties))
    expect(parameters.filter((p) => p.required).map((p) => p.name)).toEqual(query.required)
  })

  it('the receipt schema covers every receipt the code can build', () => {
    expectTypeOf<ResetReceipt>().toExtend<z.output<typeof ReceiptSchema>>()
    const receipt = validatorAt('/components/schemas/Receipt')
    expect(
      receipt({
        stream_name: 'orders',
        app_name: 'billing',
        checkpoint_type: 'LAST_READ',
        partitions: ['shardId-0000000007'],
        request_id: 'r',
        dry_run: true,
      })
    ).toBe(true)
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
  const bodySchema = FlatSchema.shape.partition_id

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
