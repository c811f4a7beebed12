import { ClientSchema } from '../config/schema'
import { CheckpointQuerySchema } from '../validation/checkpoint-request'
import { EnvelopeSchema, FlatSchema } from '../webhooks/payload'

/**
 * The schemas the routes validate with — the only request shapes the document describes, so the
 * description cannot drift from the code (issue 6). Everything here is imported, never copied.
 */
export const REQUEST_SCHEMAS = {
  CheckpointQuery: CheckpointQuerySchema,
  WebhookFlatBody: FlatSchema,
  WebhookEnvelopeBody: EnvelopeSchema,
  /** `{client_id}` of the webhook route is a configured client id. */
  ClientId: ClientSchema.shape.id,
} as const
