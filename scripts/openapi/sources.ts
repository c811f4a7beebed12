import * as z from 'zod/mini'
import { ClientSchema } from '../../src/config/schema.ts'
import { readQuerySchema, resetListQuerySchema, undoQuerySchema } from '../../src/http/query.ts'
import { RESET_ID } from '../../src/ledger/entry.ts'
import { CheckpointQuerySchema } from '../../src/model/checkpoint-target.ts'
import { moveBodyDocSchema } from '../../src/webhooks/move-body.ts'
import { envelopeDocSchema, flatDocSchema } from '../../src/webhooks/payload.ts'

/**
 * The schemas the routes validate with — the only request shapes the document describes, so the
 * description cannot drift from the code (issue 6). Everything here is imported, never copied.
 * A new route's query or body schema is added here, then referenced from routes.ts by its id.
 * (`GET /v1/resets/{reset_id}` validates with noQuerySchema: no query parameters at all.)
 */
export const REQUEST_SCHEMAS = {
  CheckpointQuery: CheckpointQuerySchema,
  ReadQuery: readQuerySchema(),
  ResetListQuery: resetListQuerySchema(),
  UndoQuery: undoQuerySchema(),
  WebhookFlatBody: flatDocSchema(),
  WebhookEnvelopeBody: envelopeDocSchema(),
  MoveBody: moveBodyDocSchema(),
  /** `{client_id}` of the webhook route is a configured client id. */
  ClientId: ClientSchema.shape.id,
  /** `{reset_id}`: the route tests this very pattern (anything else is reset_not_found). */
  ResetId: z.string().check(z.regex(RESET_ID)),
} as const

export type RequestSchemaId = keyof typeof REQUEST_SCHEMAS
