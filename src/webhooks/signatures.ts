import {
  bytesToHex,
  concatBytes,
  decodeBase64,
  decodeHex,
  hmacSha256,
  sha256,
  timingSafeEqualBytes,
} from '../lib/crypto'
import type { ClientConfig } from '../model/client'
import { AppError } from '../problems'

export interface VerifiedDelivery {
  client: ClientConfig
  /** The sender's delivery id (`webhook-id` / `X-GitHub-Delivery`), for logs and the ledger. */
  deliveryId: string
  /**
   * What identifies the delivery for replay protection. Standard Webhooks signs its id, so the
   * id is the key. GitHub does not sign `X-GitHub-Delivery`: a captured body + signature re-sent
   * under a new id would pass as new, so the key is a digest of the signed bytes instead.
   */
  replayKey: string
}

/**
 * A client that does not exist still costs one full signature check against this key, so the
 * time to answer does not reveal which client ids exist (CWE-208, timing side channel). The key
 * is random per isolate (made on first use: Workers forbid randomness in global scope) and never
 * matches a real signature.
 */
let dummyClient: ClientConfig | undefined
function dummy(): ClientConfig {
  dummyClient ??= {
    id: '',
    apiKeyHashes: [],
    webhookKeys: [crypto.getRandomValues(new Uint8Array(32))],
    signature: 'standard-webhooks',
    target: undefined,
    allow: [],
    allowPatterns: [],
  }
  return dummyClient
}

/**
 * Authenticates a webhook delivery for `client_id`. An unknown client, a client without webhook
 * secrets, missing headers and a wrong signature all produce the *same* 401, so client ids
 * cannot be probed. A bearer key is not a credential here. The internal reason goes to the log.
 */
export async function verifyDelivery(
  clientsById: ReadonlyMap<string, ClientConfig>,
  clientId: string,
  headers: Headers,
  body: Uint8Array,
  nowMs: number
): Promise<VerifiedDelivery> {
  const known = clientsById.get(clientId)
  const client = known && known.webhookKeys.length > 0 ? known : dummy()
  const result =
    client.signature === 'github'
      ? await verifyGithubSignature({
          deliveryId: headers.get('x-github-delivery'),
          signature: headers.get('x-hub-signature-256'),
          body,
          keys: client.webhookKeys,
        })
      : await verifyStandardWebhook({
          id: headers.get('webhook-id'),
          timestamp: headers.get('webhook-timestamp'),
          signature: headers.get('webhook-signature'),
          body,
          keys: client.webhookKeys,
          nowSeconds: Math.floor(nowMs / 1000),
        })
  if (client !== known) throw unauthenticated('unknown webhook client')
  if (!result.ok) throw unauthenticated(`webhook signature rejected: ${result.reason}`)
  const replayKey =
    client.signature === 'github'
      ? `body:${bytesToHex(await sha256(body))}`
      : `id:${result.deliveryId}`
  return { client, deliveryId: result.deliveryId, replayKey }
}

function unauthenticated(reason: string): AppError {
  return new AppError('unauthenticated', {
    detail: 'The webhook signature is missing or invalid',
    reason,
  })
}

/**
 * Standard Webhooks v1 (symmetric) verification, spec v1.0.0 (standard-webhooks/standard-webhooks
 * `spec/standard-webhooks.md`), written on WebCrypto to avoid the npm library's pitfalls
 * (standardwebhooks@1.1.1, read and run): `parseInt` timestamps (`123abc` passes there),
 * Buffer-only payloads, and a SyntaxError on valid signatures over non-JSON bodies.
 *
 * - Signed content is `${webhook-id}.${webhook-timestamp}.` + the *raw* body bytes; never a
 *   re-serialised JSON (the spec's "most common failure").
 * - `webhook-timestamp` is plain integer seconds and must be within 300 s either way (the value
 *   every official library uses): it bounds the replay window of a captured delivery.
 * - `webhook-signature` is a space-separated list of `version,base64`; any matching `v1` entry
 *   passes (key rotation on the sender side), other versions (`v1a`, `v2`) are ignored.
 * - Every configured key is tried (rotation on our side); comparisons are constant-time and do
 *   not stop at the first match.
 */
export const TOLERANCE_SECONDS = 300
const TIMESTAMP = /^[0-9]{1,12}$/
/**
 * The spec asks senders not to put `.` in ids (it is the field separator of the signed content).
 */
export const DELIVERY_ID = /^[A-Za-z0-9_:-]{1,128}$/

export type VerifyResult =
  | { ok: true; deliveryId: string; timestamp: number }
  | {
      ok: false
      reason: 'missing_headers' | 'bad_id' | 'bad_timestamp' | 'stale_timestamp' | 'no_match'
    }

export interface StandardWebhookInput {
  id: string | null
  timestamp: string | null
  signature: string | null
  body: Uint8Array
  keys: readonly Uint8Array[]
  /** Seconds since the epoch. */
  nowSeconds: number
}

/** Checks a Standard Webhooks delivery: headers, timestamp tolerance, and one matching key. */
export async function verifyStandardWebhook(input: StandardWebhookInput): Promise<VerifyResult> {
  const { id, timestamp, signature } = input
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing_headers' }
  if (!DELIVERY_ID.test(id)) return { ok: false, reason: 'bad_id' }
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'bad_timestamp' }
  const seconds = Number(timestamp)
  if (Math.abs(input.nowSeconds - seconds) > TOLERANCE_SECONDS)
    return { ok: false, reason: 'stale_timestamp' }

  const candidates = v1Signatures(signature)
  const signed = concatBytes(new TextEncoder().encode(`${id}.${timestamp}.`), input.body)
  let matched = false
  for (const key of input.keys) {
    const expected = await hmacSha256(key, signed)
    for (const candidate of candidates) {
      if (timingSafeEqualBytes(expected, candidate)) matched = true
    }
  }
  return matched
    ? { ok: true, deliveryId: id, timestamp: seconds }
    : { ok: false, reason: 'no_match' }
}

/** The decoded 32-byte `v1` entries of a signature header; malformed entries are skipped. */
function v1Signatures(header: string): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const entry of header.split(' ').slice(0, 16)) {
    // Two headers joined by a proxy arrive as `a, b`: tolerate the trailing comma.
    const clean = entry.endsWith(',') ? entry.slice(0, -1) : entry
    const comma = clean.indexOf(',')
    if (comma < 0 || clean.slice(0, comma) !== 'v1') continue
    const bytes = decodeBase64(clean.slice(comma + 1))
    if (bytes?.length === 32) out.push(bytes)
  }
  return out
}

/**
 * GitHub-style verification (docs.github.com, "Validating webhook deliveries"):
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret as UTF-8, raw body)>`. There is no
 * timestamp, so a captured delivery stays valid forever; replays are stopped only by remembering
 * `X-GitHub-Delivery` ids (webhooks/replay-guard.ts; how long: docs/shared-state.md).
 */
export interface GithubInput {
  deliveryId: string | null
  signature: string | null
  body: Uint8Array
  keys: readonly Uint8Array[]
}

/** Checks a GitHub delivery: `X-Hub-Signature-256` against each of the client's keys. */
export async function verifyGithubSignature(input: GithubInput): Promise<VerifyResult> {
  const { deliveryId, signature } = input
  if (!deliveryId || !signature) return { ok: false, reason: 'missing_headers' }
  if (!DELIVERY_ID.test(deliveryId)) return { ok: false, reason: 'bad_id' }
  const presented = signature.startsWith('sha256=')
    ? decodeHex(signature.slice('sha256='.length))
    : undefined
  let matched = false
  for (const key of input.keys) {
    const expected = await hmacSha256(key, input.body)
    if (presented?.length === 32 && timingSafeEqualBytes(expected, presented)) matched = true
  }
  return matched ? { ok: true, deliveryId, timestamp: 0 } : { ok: false, reason: 'no_match' }
}
