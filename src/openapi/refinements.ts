import type { JsonSchema } from './json-schema'

/**
 * `partition_id` is checked with a `refine` (the canonicalizer, a function), which no JSON Schema
 * converter can see: converted, it is only `{"type": "string"}`. Its rule is written out here,
 * once, and used only where the converted schema carries no pattern of its own — a `z.regex` or
 * `z.meta({pattern})` on the route schema wins. test/node/openapi-document.test.ts proves this
 * rule accepts exactly what the route schemas accept, so it cannot drift unnoticed.
 */
export const PARTITION_ID_PATTERN = '^([0-9]{1,10}|shardId-[0-9]{1,10}|all)$'
/** The largest partition number the string forms can write (10 digits). */
export const PARTITION_ID_MAX = 9_999_999_999

type Refinement = (schema: JsonSchema) => JsonSchema

/** Refinements by property name, applied wherever that property appears in a request schema. */
const REFINED: Record<string, Refinement> = {
  partition_id(schema) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type]
    const refined: JsonSchema = { ...schema }
    if (types.includes('string')) refined.pattern = PARTITION_ID_PATTERN
    if (types.includes('number')) {
      // In JSON a partition may be a non-negative integer of at most 10 digits. `pattern` applies
      // to strings only and `minimum`/`maximum` to numbers only, so one schema holds both.
      const mapped = types.map((type) => (type === 'number' ? 'integer' : type))
      refined.type = mapped.length === 1 ? mapped[0] : mapped
      refined.minimum = 0
      refined.maximum = PARTITION_ID_MAX
    }
    return refined
  },
}

function hasPattern(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false
  return 'pattern' in schema || Object.values(schema).some(hasPattern)
}

/** Fills in the rules of refined properties (recursively) that the converter left out. */
export function applyRefinements(schema: JsonSchema): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema> | undefined
  if (!properties) return schema
  const refined: Record<string, JsonSchema> = {}
  for (const [name, property] of Object.entries(properties)) {
    const refine = REFINED[name]
    const inner = applyRefinements(property)
    refined[name] = refine && !hasPattern(inner) ? refine(inner) : inner
  }
  return { ...schema, properties: refined }
}
