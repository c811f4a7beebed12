import type { ProblemCode } from '../../src/errors/codes.ts'
import { MAX_WEBHOOK_BODY } from '../../src/middleware/webhook-auth.ts'
import { WEBHOOK_HEADER_PARAMETERS } from './headers.ts'
import type { JsonSchema } from './json-schema.ts'
import type { RequestSchemaId } from './sources.ts'

/**
 * The route table of the document: one entry per operation. To document a new route, add its
 * request schemas to sources.ts (if it validates any), its response shape to
 * response-schemas.ts, and an entry here; document.ts turns entries into OpenAPI operations.
 */
export interface Route {
  path: string
  method: 'get' | 'post' | 'delete'
  operationId: string
  summary: string
  description?: string
  /** bearer: API key; webhook: a signature scheme; none: public. */
  auth: 'bearer' | 'webhook' | 'none'
  /** A strict object schema of sources.ts whose properties are the query parameters. */
  query?: RequestSchemaId
  /** `{name}` segments of the path, each with a schema of sources.ts. */
  pathParameters?: { name: string; description: string; schema: RequestSchemaId }[]
  /** Header parameters beyond X-Request-Id. */
  headers?: readonly object[]
  body?: { description: string; schema: JsonSchema }
  ok: { description: string; schema: JsonSchema }
  /** Every problem code the operation can answer (besides not_found/method_not_allowed). */
  problems: readonly ProblemCode[]
}

/** Answered for any path by the router, not by an operation: documented once, as components. */
export const ANY_PATH_PROBLEMS: readonly ProblemCode[] = ['not_found', 'method_not_allowed']

/** What any authenticated operation can answer before it does its work. */
const AUTHENTICATED: readonly ProblemCode[] = [
  'invalid_request',
  'unauthenticated',
  'rate_limited',
  'misconfigured',
  'internal',
]

/** What a reset can meet: the client's scope, then IAM and DIS. */
const RESET: readonly ProblemCode[] = [
  'forbidden',
  'stream_not_found',
  'app_not_found',
  'partition_not_found',
  'upstream_error',
  'upstream_auth_failed',
  'upstream_unavailable',
  'upstream_timeout',
]

/** Reading and checking a signed body, and the deployment-wide replay guard. */
const WEBHOOK_DELIVERY: readonly ProblemCode[] = [
  'payload_too_large',
  'unsupported_media_type',
  'request_timeout',
  'delivery_in_progress',
  'state_unavailable',
]

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` })

export const ROUTES: readonly Route[] = [
  {
    path: '/v1/checkpoints',
    method: 'delete',
    operationId: 'resetCheckpoint',
    summary: "Reset a consumer app's checkpoint (LAST_READ) on one partition or all",
    description:
      'For internal services. Query parameters are exactly those listed: an unknown or ' +
      'repeated parameter is a 400, so a typo never becomes a different request ' +
      '(the whole set is components.schemas.CheckpointQuery, additionalProperties false).',
    auth: 'bearer',
    query: 'CheckpointQuery',
    ok: {
      description: 'The checkpoint was reset (or, for a dry run, would be).',
      schema: ref('Receipt'),
    },
    problems: [...AUTHENTICATED, ...RESET],
  },
  {
    path: '/v1/hooks/{client_id}',
    method: 'post',
    operationId: 'receiveWebhook',
    summary: 'Reset a checkpoint from a signed webhook delivery',
    description:
      "For webhook senders, signed with the client's scheme (Standard Webhooks by " +
      'default, or GitHub style). The signature is checked over the raw body before it ' +
      'is parsed. A client configured with a fixed target accepts any JSON body and ' +
      'resets that target; others send one of the two shapes below. Takes no query ' +
      'parameters. A bearer key is not a credential here.',
    auth: 'webhook',
    pathParameters: [
      {
        name: 'client_id',
        description:
          'The id of a configured webhook client. An unknown id is answered exactly ' +
          'like a bad signature (401).',
        schema: 'ClientId',
      },
    ],
    headers: WEBHOOK_HEADER_PARAMETERS,
    body: {
      description:
        `At most ${MAX_WEBHOOK_BODY / 1024} KiB of JSON (application/json or ` +
        'application/*+json), UTF-8. A JSON object that names a member twice is a 400, at ' +
        'any depth and for every client.',
      schema: ref('WebhookBody'),
    },
    ok: {
      description:
        'The checkpoint was reset (or, for a dry run, would be). A repeated delivery ' +
        'id gets the same receipt again without a second reset.',
      schema: ref('Receipt'),
    },
    problems: [...AUTHENTICATED, ...WEBHOOK_DELIVERY, ...RESET],
  },
  {
    path: '/healthz',
    method: 'get',
    operationId: 'health',
    summary: 'Liveness and whether the configuration is valid; never calls upstream',
    auth: 'none',
    ok: { description: 'The gateway is up.', schema: ref('Health') },
    problems: [],
  },
  {
    path: '/openapi.json',
    method: 'get',
    operationId: 'openapi',
    summary: 'This document',
    auth: 'none',
    ok: {
      description: 'The OpenAPI 3.1 description of the gateway.',
      schema: { type: 'object' },
    },
    problems: [],
  },
]
