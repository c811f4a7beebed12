import * as z from 'zod/mini'
import { lazy } from '../lib/lazy'
import type { CheckpointTarget } from '../model/checkpoint-target'
import {
  APP_NAME,
  APP_NAME_RULE,
  name,
  PARTITION_ID_FORMS,
  partitionIdInteger,
  partitionIdString,
  STREAM_NAME,
  STREAM_NAME_RULE,
  toPartitionSelector,
} from '../model/checkpoint-target'
import { type HookMove, parseHookMove } from '../model/client'
import { moveTargetSchema, outOfRangeSchema } from '../model/move-target'
import { AppError, type FieldError, toFieldErrors } from '../problems'
import { NotPlainDigits } from './body'

export { decodeStrictJson as decodeJsonBody } from './body'

/**
 * `partition_id` in a JSON body: a string in one of the forms, or a non-negative integer written
 * as plain digits (a number written otherwise arrives as `NotPlainDigits`, see json-body.ts,
 * and fails both branches). Validated into the canonical selector. This file's schemas are built
 * on first use (lib/lazy.ts): a cold start's first request is seldom a webhook.
 */
export const partitionIdJson = lazy(() =>
  z.pipe(
    z.union([partitionIdString(), partitionIdInteger()], {
      error: (issue) =>
        issue.input === undefined
          ? 'partition_id is required (a string or an integer)'
          : issue.input instanceof NotPlainDigits
            ? 'partition_id must be written as plain digits in the JSON text (7; not 7.0, 7e0 or -0)'
            : PARTITION_ID_FORMS,
    }),
    toPartitionSelector<string | number>()
  )
)

/**
 * Webhook bodies (docs/api.md "Webhooks"): the flat object, or the Standard Webhooks
 * envelope `{type, timestamp, data: {…flat…}}`. Strict objects: an unknown field is a 400, so a
 * typo can never turn into a different reset. `partition_id` may be a JSON integer here.
 * Bodies are decoded by `decodeJsonBody` (json-body.ts): duplicate keys are already refused.
 */
export const flatSchema = lazy(() =>
  z.strictObject({
    stream_name: name('stream_name', STREAM_NAME, STREAM_NAME_RULE),
    app_name: name('app_name', APP_NAME, APP_NAME_RULE),
    partition_id: partitionIdJson(),
    checkpoint_type: z.optional(
      z.literal('LAST_READ', { error: 'checkpoint_type must be LAST_READ' })
    ),
    dry_run: z.optional(z.boolean({ error: 'dry_run must be true or false (a JSON boolean)' })),
    // A move (docs/api.md "Moving a checkpoint"), validated by the move model with dotted names.
    to: z.optional(z.unknown()),
    out_of_range: z.optional(z.unknown()),
  })
)

export const envelopeSchema = lazy(() =>
  z.strictObject({
    type: z.string({ error: 'type must be a string' }),
    timestamp: z.string({ error: 'timestamp must be a string' }),
    data: flatSchema(),
  })
)

/**
 * The same bodies as the OpenAPI document describes them: `to` and `out_of_range` with their own
 * schemas (every `to` variant), which `parseWebhookPayload` applies with dotted field names.
 */
export const flatDocSchema = lazy(() =>
  z.strictObject({
    ...flatSchema().shape,
    to: z.optional(moveTargetSchema()),
    out_of_range: outOfRangeSchema(),
  })
)
export const envelopeDocSchema = lazy(() =>
  z.strictObject({ ...envelopeSchema().shape, data: flatDocSchema() })
)

/** What a delivery asks for: a target, and a move (`to`) when it carries one. */
export type WebhookRequest = CheckpointTarget & { dry_run: boolean; move?: HookMove }

/**
 * Parses a decoded JSON body into a canonical target (and a move, when it carries `to`), or
 * throws a 400 naming every bad field.
 */
export function parseWebhookPayload(json: unknown): WebhookRequest {
  const isEnvelope = typeof json === 'object' && json !== null && 'data' in json
  const result = isEnvelope ? envelopeSchema().safeParse(json) : flatSchema().safeParse(json)
  const errors: FieldError[] = result.success ? [] : toFieldErrors(result.error.issues)
  const raw = (isEnvelope ? (json as { data?: unknown }).data : json) as {
    to?: unknown
    out_of_range?: unknown
  } | null
  const move = parseHookMove(typeof raw === 'object' && raw !== null ? raw : {})
  if (!move.ok) {
    const prefix = isEnvelope ? 'data.' : ''
    errors.push(...move.errors.map((e) => ({ ...e, field: `${prefix}${e.field}` })))
  }
  if (!result.success || !move.ok) {
    throw new AppError('invalid_request', { detail: 'The webhook body is invalid', errors })
  }
  const flat = 'data' in result.data ? result.data.data : result.data
  return {
    stream_name: flat.stream_name,
    app_name: flat.app_name,
    partition_id: flat.partition_id,
    dry_run: flat.dry_run ?? false,
    ...(move.move ? { move: move.move } : {}),
  }
}
