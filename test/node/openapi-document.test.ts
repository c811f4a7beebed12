import { Validator as JsonSchemaValidator } from '@cfworker/json-schema'
import { Validator as OpenApiValidator } from '@seriousme/openapi-schema-validator'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type * as z from 'zod/mini'
import { PROBLEMS } from '../../src/errors/codes'
import { buildOpenApiDocument } from '../../src/openapi/document'
import committed from '../../src/openapi/openapi.generated.json'
import type { ReceiptSchema } from '../../src/openapi/response-schemas'
import type { ResetReceipt } from '../../src/reset'
import { CheckpointQuerySchema } from '../../src/validation/checkpoint-request'
import { FlatSchema } from '../../src/webhooks/payload'

type Json = Record<string, unknown>
const document = buildOpenApiDocument()
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

  it('is what src/openapi/openapi.generated.json holds (else run: node scripts/openapi.ts)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)))
  })

  it('documents every problem code with its status', () => {
    const text = JSON.stringify(document)
    for (const [code, { status }] of Object.entries(PROBLEMS)) {
      const listed = [
        ...Object.values(document.paths).flatMap((item) =>
          Object.values(item).map((operation) => operation.responses as Json)
        ),
        document.components.responses as Json,
      ].some((responses) =>
        Object.entries(responses).some(
          ([key, response]) =>
            (key === String(status) || key === code) &&
            JSON.stringify(response).includes(`"${code}"`)
        )
      )
      expect(listed, `${code} (${status})`).toBe(true)
    }
    expect(text).toContain('"X-Request-Id"')
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
    const parameters = document.paths['/v1/checkpoints'].delete.parameters.filter(
      (p): p is Extract<typeof p, { in: string }> => 'in' in p && p.in === 'query'
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
 * partition_id is a refinement in the route schemas, written out as a pattern for the document
 * (src/openapi/refinements.ts). These properties prove both accept exactly the same values.
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
    fc.constantFrom('all', 'ALL', 'All', ' all', 'shardid-7', 'SHARDID-7', '+7', '-7', '1e3'),
    fc.constantFrom('0x1', '7.0', '７', '٣', '7\n', ' 7', 'shardId-', 'shardId-7 ', ''),
    fc.string({ maxLength: 14 })
  )

  it('for strings (query and body)', () => {
    fc.assert(
      fc.property(near, (value) => {
        expect(inQuery(value)).toBe(querySchema.safeParse(value).success)
        expect(inBody(value)).toBe(bodySchema.safeParse(value).success)
      }),
      { numRuns: 2_000 }
    )
  })

  it('for JSON numbers (body)', () => {
    const numbers = fc.oneof(
      fc.integer({ min: -5, max: 20 }),
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
