import * as z from 'zod/mini'

/** A JSON Schema (2020-12, the OpenAPI 3.1 dialect) as plain data. */
export type JsonSchema = { [keyword: string]: unknown }

/** Where every component schema lives in the document, and so where `$ref`s point. */
export const schemaRef = (id: string) => `#/components/schemas/${id}`

/**
 * Converts zod schemas to component schemas with zod's own converter, so a `z.regex` on a route
 * schema becomes its `pattern` and a strict object becomes `additionalProperties: false`.
 *
 * - `io: 'input'`: the document describes what callers send (and, for responses, objects stay
 *   open to added members, which a tolerant client ignores).
 * - Registered together, a schema used inside another (the envelope's `data`) becomes a `$ref`
 *   to its component instead of a copy.
 * - `unrepresentable: 'throw'`: a schema with no JSON Schema equivalent fails loudly at build or
 *   in the tests, never as a silently permissive `{}`.
 * - `$schema`/`$id` are dropped: OpenAPI 3.1 gives schemas their dialect, and a `$id` with a
 *   fragment is not a valid 2020-12 identifier.
 */
export function toComponentSchemas(
  schemas: Readonly<Record<string, z.ZodMiniType>>
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id })
  const converted = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'throw',
    uri: schemaRef,
  }).schemas
  const result: Record<string, JsonSchema> = {}
  for (const [id, schema] of Object.entries(converted)) {
    // `__shared` holds cycles/unregistered reuse; none of our schemas has any, and its refs would
    // not resolve inside an OpenAPI document, so refuse rather than emit broken refs.
    if (id === '__shared') throw new Error('unexpected shared $defs in converted schemas')
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema
    result[id] = rest
  }
  return result
}
