import * as z from 'zod/mini'
import { lazy } from '../lib/lazy'
import {
  APP_NAME,
  APP_NAME_RULE,
  type CheckpointTarget,
  name,
  STREAM_NAME,
  STREAM_NAME_RULE,
} from '../model/checkpoint-target'
import {
  type MoveTarget,
  moveTargetSchema,
  type OutOfRange,
  outOfRangeSchema,
  parseMoveRequest,
} from '../model/move-target'
import { AppError, type FieldError, toFieldErrors } from '../problems'
import { partitionIdJson } from './payload'

/**
 * The body of `POST /v1/resets` (docs/api.md "Moving a checkpoint"), decoded by the strict JSON
 * decoder (duplicate keys refused, `shift_by` kept as written). A strict object: an unknown
 * member is a 400 naming it. `to` and `out_of_range` are read by the move model, which names
 * every bad member with its dotted path (`to.timestamp`). Built on first use (lib/lazy.ts).
 */
const moveBodySchema = lazy(() =>
  z.strictObject({
    stream_name: name('stream_name', STREAM_NAME, STREAM_NAME_RULE),
    app_name: name('app_name', APP_NAME, APP_NAME_RULE),
    partition_id: partitionIdJson(),
    to: z.optional(z.unknown()),
    out_of_range: z.optional(z.unknown()),
    dry_run: z.optional(z.boolean({ error: 'dry_run must be true or false (a JSON boolean)' })),
  })
)

/**
 * The same body as the OpenAPI document describes it: `to` and `out_of_range` with their own
 * schemas (every `to` variant), which `parseMoveBody` applies with dotted field names.
 */
export const moveBodyDocSchema = lazy(() =>
  z.strictObject({
    ...moveBodySchema().shape,
    to: moveTargetSchema(),
    out_of_range: outOfRangeSchema(),
  })
)

export interface MoveBody extends CheckpointTarget {
  to: MoveTarget
  out_of_range: OutOfRange
  dry_run: boolean
}

/** A decoded JSON body as a validated move, or a 400 naming every bad field at once. */
export function parseMoveBody(json: unknown): MoveBody {
  const body = moveBodySchema().safeParse(json)
  const errors: FieldError[] = body.success ? [] : toFieldErrors(body.error.issues)
  const raw = (typeof json === 'object' && json !== null ? json : {}) as {
    to?: unknown
    out_of_range?: unknown
  }
  const move = parseMoveRequest(raw)
  if (!move.ok) errors.push(...move.errors.filter((e) => !errors.some((f) => f.field === e.field)))
  if (!body.success || !move.ok || errors.length > 0) {
    throw new AppError('invalid_request', { detail: 'The move request is invalid', errors })
  }
  return {
    stream_name: body.data.stream_name,
    app_name: body.data.app_name,
    partition_id: body.data.partition_id,
    to: move.to,
    out_of_range: move.outOfRange,
    dry_run: body.data.dry_run ?? false,
  }
}
