import { timingSafeEqualBytes } from '../auth/bytes'
import { decodeHex, hmacSha256 } from './hmac'
import { DELIVERY_ID, type VerifyResult } from './standard-webhooks'

/**
 * GitHub-style verification (docs.github.com, "Validating webhook deliveries"):
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret as UTF-8, raw body)>`. There is no
 * timestamp, so a captured delivery stays valid forever; replays are stopped only by remembering
 * `X-GitHub-Delivery` ids (see replay-cache.ts for how long, and what that does not cover).
 */
export interface GithubInput {
  deliveryId: string | null
  signature: string | null
  body: Uint8Array
  keys: readonly Uint8Array[]
}

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
