import { timingSafeEqualBytes } from '../auth/bytes'
import { concatBytes, decodeBase64, hmacSha256 } from './hmac'

/**
 * Standard Webhooks v1 (symmetric) verification, spec v1.0.0 (standard-webhooks/standard-webhooks
 * `spec/standard-webhooks.md`), written on WebCrypto to avoid the npm library's pitfalls
 * (standardwebhooks@1.1.1, read and run): `parseInt` timestamps (`123abc` passes there), Buffer-only payloads, and a
 * SyntaxError on valid signatures over non-JSON bodies.
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
/** The spec asks senders not to put `.` in ids (it is the field separator of the signed content). */
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
