import { ClientSchema } from '../../src/config/schema.ts'
import { CheckpointQuerySchema } from '../../src/validation/checkpoint-request.ts'
import { EnvelopeSchema, FlatSchema } from '../../src/webhooks/payload.ts'

/**
 * The schemas the routes validate with — the only request shapes the document describes, so the
 * description cannot drift from the code (issue 6). Everything here is imported, never copied.
 * A new route's query or body schema is added here, then referenced from routes.ts by its id.
 */
export const REQUEST_SCHEMAS = {
  CheckpointQuery: CheckpointQuerySchema,
  WebhookFlatBody: FlatSchema,
  WebhookEnvelopeBody: EnvelopeSchema,
  /** `{client_id}` of the webhook route is a configured client id. */
  ClientId: ClientSchema.shape.id,
} as const

export type RequestSchemaId = keyof typeof REQUEST_SCHEMAS
