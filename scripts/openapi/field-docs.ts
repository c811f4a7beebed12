import { MAX_PARTITION } from '../../src/model/checkpoint-target.ts'
import type { JsonSchema } from './json-schema.ts'

/**
 * Human descriptions of request fields, by name. The route schemas hold the rules (and their
 * error messages); these are only for readers of the document. A field without an entry here
 * fails test/node/openapi-document.test.ts, so a new parameter cannot go undocumented.
 */
export const FIELD_DOCS: Record<string, { description: string; examples?: unknown[] }> = {
  stream_name: {
    description: 'DIS stream name, checked on the decoded value (ASCII letters, digits, _ and -).',
    examples: ['orders'],
  },
  app_name: {
    description: 'DIS consumer application whose checkpoint is reset.',
    examples: ['billing'],
  },
  partition_id: {
    description:
      'One partition: 1-10 ASCII digits (7, 007) or shardId- followed by 1-10 digits ' +
      '(shardId-7); in a JSON body also a non-negative integer written as plain digits (7; ' +
      'never 7.0, 7e0, -0 or a number JSON would round). The number is at most ' +
      `${MAX_PARTITION} (DIS partition ids are 32-bit; the pattern admits any 10 digits, ` +
      'the gateway refuses larger numbers). Sent upstream and echoed in canonical form, ' +
      'shardId- + 10 digits. Or all: every readable (ACTIVE or DELETED) partition of the ' +
      'stream. Signs, spaces, 1e3, 0x1, other letter cases, 11+ digits and non-ASCII digits ' +
      'are rejected.',
    examples: ['7', 'shardId-0000000007', 'all'],
  },
  checkpoint_type: {
    description: 'Optional; only LAST_READ, which is what the gateway always sends.',
  },
  dry_run: {
    description:
      'When true: authenticate, authorize, validate and resolve the partitions (listing the ' +
      'stream for all) but delete nothing; the receipt then has "dry_run": true.',
  },
  type: { description: 'Standard Webhooks event type; free text, not interpreted.' },
  timestamp: {
    description:
      'Standard Webhooks event time; free text, not interpreted (the signed webhook-timestamp ' +
      'header is what is checked).',
  },
  data: { description: 'The flat request object.' },
  to: {
    description:
      'Optional: move the checkpoint to a position instead of deleting it, exactly as ' +
      'POST /v1/resets (earliest, latest, timestamp, duration, sequence_number, shift_by, app, ' +
      'delete). Without it the delivery is the DELETE.',
  },
  out_of_range: {
    description:
      'With to: reject (default) answers 409 position_out_of_range; clamp moves to the nearest ' +
      'retained bound.',
  },
  limit: { description: 'Entries per page, 1-100.', examples: ['20'] },
  cursor: { description: 'The next_cursor of the previous page (opaque).' },
  force: {
    description:
      'When true, restore even partitions a consumer has committed on since the reset ' +
      '(their newer checkpoint is overwritten).',
  },
}

/** Adds descriptions (and examples) to a request schema's properties, recursively. */
export function applyFieldDocs(schema: JsonSchema): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema> | undefined
  if (!properties) return schema
  const documented: Record<string, JsonSchema> = {}
  for (const [name, property] of Object.entries(properties)) {
    const docs = FIELD_DOCS[name]
    documented[name] = { ...(docs ?? {}), ...applyFieldDocs(property) }
  }
  return { ...schema, properties: documented }
}
