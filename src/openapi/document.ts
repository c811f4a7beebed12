import { PROBLEMS, type ProblemCode } from '../errors/codes'
import { applyFieldDocs } from './field-docs'
import {
  REQUEST_ID_PARAMETER,
  RESPONSE_HEADERS,
  SECURITY_SCHEMES,
  WEBHOOK_HEADER_PARAMETERS,
} from './headers'
import { type JsonSchema, schemaRef, toComponentSchemas } from './json-schema'
import {
  ANY_PATH_CODES,
  operationCodes,
  problemExample,
  problemResponse,
  problemResponses,
} from './problems'
import { applyRefinements } from './refinements'
import { RESPONSE_SCHEMAS } from './response-schemas'
import { REQUEST_SCHEMAS } from './sources'

const OPENAPI_VERSION = '3.1.1'
const REQUEST_ID = { $ref: '#/components/parameters/X-Request-Id' }
const STANDARD_HEADERS = {
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
  'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
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
 * Builds the OpenAPI 3.1 description of the gateway from the schemas the routes validate with
 * (src/openapi/sources.ts), the problem table (src/errors/codes.ts) and the response shapes.
 * Pure: same input, same document.
 */
export function buildOpenApiDocument() {
  const request = toComponentSchemas(REQUEST_SCHEMAS)
  for (const [id, schema] of Object.entries(request))
    request[id] = applyFieldDocs(applyRefinements(schema))
  const { ClientId: clientId, ...requestComponents } = request
  const responses = toComponentSchemas(RESPONSE_SCHEMAS)
  const query = requestComponents.CheckpointQuery
  if (!query || !clientId) throw new Error('request schemas are missing')

  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'dis-checkpoint-gateway',
      version: '1',
      description:
        'One authenticated URL in front of Huawei Cloud DIS DeleteCheckpoint. Every error is ' +
        'application/problem+json (RFC 9457) with a stable code; every response carries ' +
        'X-Request-Id and Cache-Control: no-store. Unknown paths answer 404 not_found and ' +
        'known paths with another method 405 method_not_allowed (components.responses). ' +
        `Problem codes: ${Object.entries(PROBLEMS)
          .map(([code, { status }]) => `${code} (${status})`)
          .join(', ')}.`,
    },
    paths: {
      '/v1/checkpoints': {
        delete: {
          operationId: 'resetCheckpoint',
          summary: "Reset a consumer app's checkpoint (LAST_READ) on one partition or all",
          description:
            'For internal services. Query parameters are exactly those listed: an unknown or ' +
            'repeated parameter is a 400, so a typo never becomes a different request ' +
            '(the whole set is components.schemas.CheckpointQuery, additionalProperties false).',
          security: [{ bearerAuth: [] }],
          parameters: [...queryParameters(query), REQUEST_ID],
          responses: {
            '200': {
              description: 'The checkpoint was reset (or, for a dry run, would be).',
              headers: STANDARD_HEADERS,
              content: json({ $ref: schemaRef('Receipt') }),
            },
            ...problemResponses(operationCodes(false)),
          },
        },
      },
      '/v1/hooks/{client_id}': {
        post: {
          operationId: 'receiveWebhook',
          summary: 'Reset a checkpoint from a signed webhook delivery',
          description:
            "For webhook senders, signed with the client's scheme (Standard Webhooks by " +
            'default, or GitHub style). The signature is checked over the raw body before it ' +
            'is parsed. A client configured with a fixed target accepts any JSON body and ' +
            'resets that target; others send one of the two shapes below. Takes no query ' +
            'parameters. A bearer key is not a credential here.',
          security: [{ standardWebhooks: [] }, { githubSignature: [] }],
          parameters: [
            {
              name: 'client_id',
              in: 'path',
              required: true,
              description:
                'The id of a configured webhook client. An unknown id is answered exactly ' +
                'like a bad signature (401).',
              schema: clientId,
            },
            ...WEBHOOK_HEADER_PARAMETERS,
            REQUEST_ID,
          ],
          requestBody: {
            required: true,
            description: 'At most 16 KiB of JSON (application/json or application/*+json).',
            content: json({ $ref: schemaRef('WebhookBody') }),
          },
          responses: {
            '200': {
              description:
                'The checkpoint was reset (or, for a dry run, would be). A repeated delivery ' +
                'id gets the same receipt again without a second reset.',
              headers: STANDARD_HEADERS,
              content: json({ $ref: schemaRef('Receipt') }),
            },
            ...problemResponses(operationCodes(true), { omitHeaders: ['WWW-Authenticate'] }),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness and whether the configuration is valid; never calls upstream',
          security: [],
          parameters: [REQUEST_ID],
          responses: {
            '200': {
              description: 'The gateway is up.',
              headers: STANDARD_HEADERS,
              content: json({ $ref: schemaRef('Health') }),
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          security: [],
          parameters: [REQUEST_ID],
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 description of the gateway.',
              headers: STANDARD_HEADERS,
              content: json({ type: 'object' }),
            },
          },
        },
      },
    },
    components: {
      schemas: {
        ...requestComponents,
        WebhookBody: {
          description: 'The flat object, or the Standard Webhooks envelope around it.',
          oneOf: [
            { $ref: schemaRef('WebhookFlatBody') },
            { $ref: schemaRef('WebhookEnvelopeBody') },
          ],
        },
        ...responses,
      },
      parameters: { 'X-Request-Id': REQUEST_ID_PARAMETER },
      examples: Object.fromEntries(
        Object.keys(PROBLEMS).map((code) => [code, problemExample(code as ProblemCode)])
      ),
      headers: RESPONSE_HEADERS,
      responses: Object.fromEntries(ANY_PATH_CODES.map((code) => [code, problemResponse([code])])),
      securitySchemes: SECURITY_SCHEMES,
    },
  }
}
