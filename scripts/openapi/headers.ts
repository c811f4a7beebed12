import { DELIVERY_ID, TOLERANCE_SECONDS } from '../../src/webhooks/signatures.ts'

/**
 * Headers and security schemes. Webhook signatures are described as API-key-in-header schemes
 * (the signature header is the credential) plus the header parameters that go with them; OpenAPI
 * has no scheme type for request signing, and this is what validators and renderers understand.
 */

/** `X-Request-Id` as hono's requestId() reuses it (limitLength 128 in app.ts). */
const REQUEST_ID_PATTERN = '^[A-Za-z0-9_=-]{1,128}$'

export const REQUEST_ID_PARAMETER = {
  name: 'X-Request-Id',
  in: 'header',
  required: false,
  description:
    'Correlates the call with the gateway log line. Reused if it is 1-128 characters of ' +
    'A-Z a-z 0-9 _ = -; any other value is ignored and a new id is generated.',
  schema: { type: 'string' },
}

export const RESPONSE_HEADERS = {
  'X-Request-Id': {
    description: "The request id: the caller's, when safe, otherwise a generated one.",
    required: true,
    schema: { type: 'string', pattern: REQUEST_ID_PATTERN },
  },
  'Cache-Control': {
    description: 'Always no-store: answers concern one caller and must not be cached.',
    required: true,
    schema: { type: 'string', const: 'no-store' },
  },
  'Retry-After': {
    description: 'Whole seconds to wait before retrying.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  'WWW-Authenticate': {
    description:
      'Bearer challenge (RFC 6750) on the bearer routes: with every 401, and with error="invalid_request" on a 400 for a malformed Authorization header.',
    schema: { type: 'string' },
  },
  Allow: { description: 'The methods the path accepts.', schema: { type: 'string' } },
}

export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key made with npm run keygen (dcg_…). The gateway stores only its SHA-256, in ' +
      'the GATEWAY_CLIENTS entry of the client. Accepted only in the Authorization header.',
  },
  standardWebhooks: {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description:
      'Standard Webhooks: v1,<base64 HMAC-SHA256> over "{webhook-id}.{webhook-timestamp}." + ' +
      'the raw body, keyed by the base64-decoded whsec_ secret; several space-separated ' +
      'signatures are allowed. Requires the webhook-id and webhook-timestamp headers; the ' +
      `timestamp must be within ${TOLERANCE_SECONDS} seconds. The default scheme of a webhook client.`,
  },
  githubSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Hub-Signature-256',
    description:
      'GitHub style, for clients configured with "signature": "github": sha256=<hex ' +
      'HMAC-SHA256> over the raw body, keyed by the secret as UTF-8 text. Requires the ' +
      'X-GitHub-Delivery header (deliveries are deduplicated by it).',
  },
}

const deliveryId = { type: 'string', pattern: DELIVERY_ID.source }

export const WEBHOOK_HEADER_PARAMETERS = [
  {
    name: 'webhook-id',
    in: 'header',
    required: false,
    description:
      'Standard Webhooks delivery id (required by that scheme). A delivery id already ' +
      'accepted is answered as before, without a second reset.',
    schema: deliveryId,
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    required: false,
    description:
      `Standard Webhooks: integer Unix seconds, within ${TOLERANCE_SECONDS} seconds of the ` +
      'gateway clock (required by that scheme).',
    schema: { type: 'string' },
  },
  {
    name: 'X-GitHub-Delivery',
    in: 'header',
    required: false,
    description:
      'GitHub-style delivery id (required by that scheme); deliveries are deduplicated by it.',
    schema: deliveryId,
  },
]
