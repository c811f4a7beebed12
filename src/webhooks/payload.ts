import * as z from 'zod/mini'
import type { CheckpointTarget } from '../config/types'
import { AppError } from '../errors/app-error'
import { name } from '../validation/checkpoint-request'
import { toFieldErrors } from '../validation/field-errors'
import { APP_NAME, APP_NAME_RULE, STREAM_NAME, STREAM_NAME_RULE } from '../validation/names'
import { PARTITION_ID_FORMS, partitionSelector } from '../validation/partition-id'

/**
 * Webhook bodies (contract §1 "Webhook body"): the flat object, or the Standard Webhooks
 * envelope `{type, timestamp, data: {…flat…}}`. Strict objects: an unknown field is a 400, so a
 * typo can never turn into a different reset. `partition_id` may be a JSON integer here.
 */
export const FlatSchema = z.strictObject({
  stream_name: name('stream_name', STREAM_NAME, STREAM_NAME_RULE),
  app_name: name('app_name', APP_NAME, APP_NAME_RULE),
  partition_id: z
    .union([z.string(), z.number()], { error: 'partition_id is required (a string or an integer)' })
    .check(
      z.refine((value) => partitionSelector(value) !== undefined, { error: PARTITION_ID_FORMS })
    ),
  checkpoint_type: z.optional(
    z.literal('LAST_READ', { error: 'checkpoint_type must be LAST_READ' })
  ),
  dry_run: z.optional(z.boolean({ error: 'dry_run must be true or false (a JSON boolean)' })),
})

export const EnvelopeSchema = z.strictObject({
  type: z.string({ error: 'type must be a string' }),
  timestamp: z.string({ error: 'timestamp must be a string' }),
  data: FlatSchema,
})

/** Parses a decoded JSON body into a canonical target, or throws a 400 naming every bad field. */
export function parseWebhookPayload(json: unknown): CheckpointTarget & { dry_run: boolean } {
  const isEnvelope = typeof json === 'object' && json !== null && 'data' in json
  const result = isEnvelope ? EnvelopeSchema.safeParse(json) : FlatSchema.safeParse(json)
  if (!result.success) {
    throw new AppError('invalid_request', {
      detail: 'The webhook body is invalid',
      errors: toFieldErrors(result.error.issues),
    })
  }
  const flat = 'data' in result.data ? result.data.data : result.data
  const partition = partitionSelector(flat.partition_id)
  if (!partition)
    throw new AppError('internal', { reason: 'validated partition id did not canonicalize' })
  return {
    stream_name: flat.stream_name,
    app_name: flat.app_name,
    partition_id: partition,
    dry_run: flat.dry_run ?? false,
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Raw bytes → JSON value; not UTF-8 or not JSON is a 400 (never a 500). */
export function decodeJsonBody(body: Uint8Array): unknown {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new AppError('invalid_request', { detail: 'The webhook body is not valid UTF-8' })
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new AppError('invalid_request', { detail: 'The webhook body is not valid JSON' })
  }
}
