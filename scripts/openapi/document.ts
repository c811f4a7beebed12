import { PROBLEMS, type ProblemCode } from '../../src/problems.ts'
import { applyFieldDocs } from './field-docs.ts'
import { REQUEST_ID_PARAMETER, RESPONSE_HEADERS, SECURITY_SCHEMES } from './headers.ts'
import { type JsonSchema, schemaRef, toComponentSchemas } from './json-schema.ts'
import {
  byStatus,
  type ExtraHeaders,
  type ProblemResponse,
  problemResponse,
  problemResponseName,
} from './problems.ts'
import { RESPONSE_SCHEMAS } from './response-schemas.ts'
import { ANY_PATH_PROBLEMS, ROUTES, type Route } from './routes.ts'
import { REQUEST_SCHEMAS } from './sources.ts'

const OPENAPI_VERSION = '3.1.1'
const REQUEST_ID = { $ref: '#/components/parameters/X-Request-Id' }
const STANDARD_HEADERS = {
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
  'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
}

const SECURITY: Record<Route['auth'], Record<string, never[]>[]> = {
  bearer: [{ bearerAuth: [] }],
  webhook: [{ standardWebhooks: [] }, { githubSignature: [] }],
  none: [],
}

/** The bearer middleware challenges with every 401, and on a 400 for a malformed header. */
const BEARER_CHALLENGE: ExtraHeaders = {
  unauthenticated: ['WWW-Authenticate'],
  invalid_request: ['WWW-Authenticate'],
}

const json = (schema: JsonSchema, media = 'application/json') => ({ [media]: { schema } })

/** The query schema's properties as individual query parameters (what readers and tools expect). */
function queryParameters(query: JsonSchema) {
  const properties = (query.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((query.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => {
    const { description, examples, ...schema } = property
    return {
      name,
      in: 'query',
      required: required.has(name),
      description,
      schema,
      ...(Array.isArray(examples) ? { example: examples[0] } : {}),
    }
  })
}

/**
 * Problem responses by name (components.responses); operations refer to them. A name always
 * stands for the same codes and headers, so two operations never get different content under it.
 */
type SharedResponses = Map<string, ProblemResponse>

function problemRefs(
  codes: readonly ProblemCode[],
  extraHeaders: ExtraHeaders,
  shared: SharedResponses
) {
  return Object.fromEntries(
    byStatus(codes).map(([status, group]) => {
      const name = problemResponseName(group, extraHeaders)
      if (!shared.has(name)) shared.set(name, problemResponse(group, extraHeaders))
      return [status, { $ref: `#/components/responses/${name}` }]
    })
  )
}

function operation(route: Route, schemas: Record<string, JsonSchema>, shared: SharedResponses) {
  const schema = (id: string) => {
    const found = schemas[id]
    if (!found) throw new Error(`${route.operationId}: no request schema ${id}`)
    return found
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: SECURITY[route.auth],
    parameters: [
      ...(route.pathParameters ?? []).map((p) => ({
        name: p.name,
        in: 'path',
        required: true,
        description: p.description,
        schema: schema(p.schema),
      })),
      ...(route.query ? queryParameters(schema(route.query)) : []),
      ...(route.headers ?? []),
      REQUEST_ID,
    ],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            description: route.body.description,
            content: json(route.body.schema),
          },
        }
      : {}),
    responses: {
      '200': {
        description: route.ok.description,
        headers: STANDARD_HEADERS,
        content: json(route.ok.schema),
      },
      ...Object.fromEntries(
        Object.entries(route.otherResponses ?? {}).map(([status, answer]) => [
          status,
          {
            description: answer.description,
            headers: STANDARD_HEADERS,
            content: json(answer.schema),
          },
        ])
      ),
      ...problemRefs(
        route.problems,
        { ...(route.auth === 'bearer' ? BEARER_CHALLENGE : {}), ...route.problemHeaders },
        shared
      ),
    },
  }
}

/**
 * Builds the OpenAPI 3.1 description of the gateway from the route table (routes.ts), the
 * schemas the routes validate with (sources.ts), the problem table (src/problems.ts) and
 * the response shapes. Pure: same input, same document.
 */
export function buildOpenApiDocument() {
  const request = toComponentSchemas(REQUEST_SCHEMAS)
  for (const [id, schema] of Object.entries(request)) request[id] = applyFieldDocs(schema)
  const shared: SharedResponses = new Map()
  for (const code of ANY_PATH_PROBLEMS) shared.set(code, problemResponse([code]))
  const paths: Record<string, Record<string, ReturnType<typeof operation>>> = {}
  for (const route of ROUTES) {
    const item = paths[route.path] ?? {}
    item[route.method] = operation(route, request, shared)
    paths[route.path] = item
  }
  // Path-parameter schemas are inlined in their operations, not listed as components.
  const used = new Set<string>(ROUTES.flatMap((r) => (r.pathParameters ?? []).map((p) => p.schema)))
  const components = Object.fromEntries(Object.entries(request).filter(([id]) => !used.has(id)))

  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'dis-checkpoint-gateway',
      version: '2',
      description:
        'One authenticated URL in front of Huawei Cloud DIS DeleteCheckpoint: resets a ' +
        "consumer app's checkpoint, reads it, and (with the reset ledger on) records every " +
        'reset so it can be listed and undone. Every error is application/problem+json ' +
        '(RFC 9457) with a stable code; every response carries X-Request-Id and ' +
        'Cache-Control: no-store. Unknown paths answer 404 not_found and known paths with ' +
        'another method 405 method_not_allowed with Allow (components.responses). ' +
        `Problem codes: ${Object.entries(PROBLEMS)
          .map(([code, { status }]) => `${code} (${status})`)
          .join(', ')}.`,
    },
    paths,
    components: {
      schemas: {
        ...components,
        WebhookBody: {
          description: 'The flat object, or the Standard Webhooks envelope around it.',
          oneOf: [
            { $ref: schemaRef('WebhookFlatBody') },
            { $ref: schemaRef('WebhookEnvelopeBody') },
          ],
        },
        ...toComponentSchemas(RESPONSE_SCHEMAS),
      },
      parameters: { 'X-Request-Id': REQUEST_ID_PARAMETER },
      headers: RESPONSE_HEADERS,
      responses: Object.fromEntries(shared),
      securitySchemes: SECURITY_SCHEMES,
    },
  }
}
