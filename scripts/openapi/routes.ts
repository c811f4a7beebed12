import { RESETS_LIMIT_DEFAULT } from '../../src/http/query.ts'
import { MAX_WEBHOOK_BODY } from '../../src/http/webhook.ts'
import type { ProblemCode } from '../../src/problems.ts'
import { WEBHOOK_HEADER_PARAMETERS } from './headers.ts'
import type { JsonSchema } from './json-schema.ts'
import type { ExtraHeaders } from './problems.ts'
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
  /** Answers other than 200 whose body is not a problem (e.g. /healthz's 503), by status. */
  otherResponses?: Record<string, { description: string; schema: JsonSchema }>
  /**
   * Every problem code the operation can answer. not_found and method_not_allowed are answered
   * for any path (ANY_PATH_PROBLEMS); an operation lists not_found only if it answers it itself.
   */
  problems: readonly ProblemCode[]
  /** Headers some of those codes may carry on this operation only. */
  problemHeaders?: ExtraHeaders
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

/** What a call to IAM and DIS can end in (after the retries). */
const UPSTREAM: readonly ProblemCode[] = [
  'stream_not_found',
  'app_not_found',
  'partition_not_found',
  'upstream_error',
  'upstream_auth_failed',
  'upstream_unavailable',
  'upstream_timeout',
]

/** What a reset or a read can meet: the client's scope, then IAM and DIS. */
const SCOPED_UPSTREAM: readonly ProblemCode[] = ['forbidden', ...UPSTREAM]

/** Reading and checking a signed body, and the deployment-wide replay guard. */
const WEBHOOK_DELIVERY: readonly ProblemCode[] = [
  'payload_too_large',
  'unsupported_media_type',
  'request_timeout',
  'delivery_in_progress',
]

/**
 * The ledger routes: not_found (with a detail saying so) while RESET_LEDGER=off, and
 * state_unavailable when the ledger object cannot be reached.
 */
const LEDGER: readonly ProblemCode[] = ['not_found', 'state_unavailable']

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` })

const RESET_ID_PARAMETER = {
  name: 'reset_id',
  description:
    'The reset_id of a receipt or ledger entry (rst_ + 26 characters). Any other value, and ' +
    "an id outside the client's allow patterns, is answered 404 reset_not_found.",
  schema: 'ResetId',
} as const

export const ROUTES: readonly Route[] = [
  {
    path: '/v1/checkpoints',
    method: 'delete',
    operationId: 'resetCheckpoint',
    summary: "Reset a consumer app's checkpoint (LAST_READ) on one partition or all",
    description:
      'For internal services. Query parameters are exactly those listed: an unknown or ' +
      'repeated parameter is a 400, so a typo never becomes a different request ' +
      '(the whole set is components.schemas.CheckpointQuery, additionalProperties false). ' +
      'With the reset ledger on (RESET_LEDGER, default on), each partition is read before ' +
      'anything is deleted and the reset is recorded: no DELETE is sent if either fails. ' +
      'A delete is not "start over": with no checkpoint the consumer starts wherever its own ' +
      'start setting says; for the official DIS Kafka adapter that is LATEST by default, so it ' +
      'SKIPS every retained record. To replay, move it instead: POST /v1/resets with ' +
      '{"to": {"type": "earliest"}}. A running consumer overwrites a reset at its next commit; ' +
      "the ledger entry's verification says whether it held.",
    auth: 'bearer',
    query: 'CheckpointQuery',
    ok: {
      description:
        'The checkpoint was deleted (or, for a dry run, would be). The consumer then starts at ' +
        'its own no-checkpoint setting (LATEST for the DIS Kafka adapter: retained data is ' +
        'skipped); to replay, use POST /v1/resets with to: earliest.',
      schema: ref('Receipt'),
    },
    problems: [...AUTHENTICATED, ...SCOPED_UPSTREAM, 'state_unavailable', 'partition_busy'],
  },
  {
    path: '/v1/checkpoints',
    method: 'get',
    operationId: 'readCheckpoints',
    summary: "Read a consumer app's current checkpoints (LAST_READ); changes nothing",
    description:
      'For internal services and people. The parameters and their rules are those of the ' +
      'DELETE, without dry_run (components.schemas.ReadQuery, additionalProperties false); ' +
      'scope, retries and error mapping too. HEAD is answered like GET, without a body. ' +
      'Each partition is shown as a position in its retained range (DescribeStream): status, ' +
      'range, position and lag, every sequence number a decimal string (int64). Costs one ' +
      'ShowCheckpoint per partition plus one DescribeStream call per 1 000 partitions.',
    auth: 'bearer',
    query: 'ReadQuery',
    ok: {
      description: 'Where each partition stands now.',
      schema: ref('Checkpoints'),
    },
    problems: [...AUTHENTICATED, ...SCOPED_UPSTREAM],
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
    problems: [
      ...AUTHENTICATED,
      ...WEBHOOK_DELIVERY,
      ...SCOPED_UPSTREAM,
      'state_unavailable',
      'partition_busy',
    ],
  },
  {
    path: '/v1/resets',
    method: 'get',
    operationId: 'listResets',
    summary: 'List recorded resets, newest first',
    description:
      "Only resets of streams/apps the client's allow patterns cover. stream_name and " +
      `app_name filter by exact name; limit is 1-100 (default ${RESETS_LIMIT_DEFAULT}); ` +
      'cursor is the next_cursor of the previous page. An unknown or repeated parameter is ' +
      'a 400 (components.schemas.ResetListQuery).',
    auth: 'bearer',
    query: 'ResetListQuery',
    ok: { description: 'One page of ledger entries.', schema: ref('ResetPage') },
    problems: [...AUTHENTICATED, ...LEDGER],
  },
  {
    path: '/v1/resets',
    method: 'post',
    operationId: 'moveCheckpoints',
    summary: 'Move a consumer to a position (or plan the move)',
    description:
      'Moves one partition or all to a position: to.type earliest, latest, timestamp, ' +
      'duration, sequence_number, shift_by, app, or delete (exactly DELETE /v1/checkpoints, ' +
      'answered with its receipt). Every partition is resolved before the first commit; any ' +
      'failure commits nothing. dry_run: true answers the plan with an ETag (a digest of the ' +
      'checkpoints it read); the same body with If-Match: <ETag> applies it, or answers 412 ' +
      'checkpoints_changed with the current checkpoints and changes nothing. Snapshot, ledger ' +
      'entry (kind move), leases, verification and undo as for a delete. A partial failure ' +
      'answers the most serious cause with every partition and outcome: partial; retrying is ' +
      'safe. 404 when the ledger is off (RESET_LEDGER=off).',
    auth: 'bearer',
    headers: [
      {
        name: 'If-Match',
        in: 'header',
        required: false,
        description:
          "The ETag of a plan of the same body: applied only if none of the plan's checkpoints moved.",
        schema: { type: 'string' },
      },
    ],
    body: {
      description: `At most ${MAX_WEBHOOK_BODY / 1024} KiB of strict JSON (duplicate keys, unknown members and non-integer number forms are 400).`,
      schema: ref('MoveBody'),
    },
    ok: {
      description:
        'The move (or its plan). Carries ETag: the digest of the checkpoints read, for If-Match.',
      schema: ref('MoveAnswer'),
    },
    problems: [
      ...AUTHENTICATED,
      ...LEDGER,
      'unsupported_media_type',
      'payload_too_large',
      'request_timeout',
      'forbidden',
      'partition_busy',
      'position_out_of_range',
      'no_checkpoint',
      'checkpoints_changed',
      ...UPSTREAM,
    ],
  },
  {
    path: '/v1/resets/{reset_id}',
    method: 'get',
    operationId: 'getReset',
    summary: 'One recorded reset',
    description: 'Takes no query parameters (any is a 400).',
    auth: 'bearer',
    pathParameters: [RESET_ID_PARAMETER],
    ok: {
      description:
        "The ledger entry, exactly as listed: its request_id is the reset's; this request's id is in X-Request-Id.",
      schema: ref('LedgerEntry'),
    },
    problems: [...AUTHENTICATED, ...LEDGER, 'reset_not_found'],
  },
  {
    path: '/v1/resets/{reset_id}/undo',
    method: 'post',
    operationId: 'undoReset',
    summary: 'Put back the checkpoints a reset deleted',
    description:
      'All or nothing for conflicts: if a consumer has committed on a partition since the ' +
      'reset, or a newer reset still standing changed one (newer_resets), nothing is ' +
      'restored (409 undo_conflict) unless force=true. A reset that deleted nothing is a 409 ' +
      'undo_conflict too; one stuck in_progress past its deadline may be undone with ' +
      'force=true. While another reset or undo of one of its partitions runs: 409 ' +
      'partition_busy, nothing sent. Partitions that ' +
      'had no checkpoint are skipped. A partial undo answers the problem of its most serious ' +
      'cause with the undo in the body, and may be retried: only the partitions not yet ' +
      'restored are sent again. Webhook clients cannot undo.',
    auth: 'bearer',
    pathParameters: [RESET_ID_PARAMETER],
    query: 'UndoQuery',
    ok: { description: 'Every partition was restored or skipped.', schema: ref('Undo') },
    problems: [
      ...AUTHENTICATED,
      ...LEDGER,
      'reset_not_found',
      'already_undone',
      'undo_conflict',
      'partition_busy',
      'sequence_expired',
      ...UPSTREAM,
    ],
  },
  {
    path: '/healthz',
    method: 'get',
    operationId: 'health',
    summary: 'Liveness and whether the configuration is valid; never calls upstream',
    auth: 'none',
    ok: { description: 'The gateway is up and its configuration is valid.', schema: ref('Health') },
    otherResponses: {
      '503': {
        description:
          'The configuration is invalid: every other route answers 500 misconfigured, so a load balancer must not route here.',
        schema: ref('Health'),
      },
    },
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
