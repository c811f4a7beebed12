import { decodeBase64 } from './hmac'

/** Minimum HMAC key size we accept from configuration (the spec asks for 24–64 random bytes). */
export const MIN_SECRET_BYTES = 16

/**
 * Standard Webhooks secrets are `whsec_` + base64 of the key bytes (the prefix is optional, as in
 * the official libraries). The HMAC key is the *decoded* bytes — unlike Stripe, whose `whsec_`
 * secrets are used as UTF-8 text, a classic interop bug between the two.
 */
export function standardWebhooksKey(secret: string): Uint8Array | undefined {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret
  const key = decodeBase64(encoded)
  return key && key.length >= MIN_SECRET_BYTES ? key : undefined
}

/**
 * GitHub secrets are used as their UTF-8 bytes. At least 16 characters: a short text secret can
 * be brute-forced offline from one captured delivery (body + signature are all an attacker needs).
 */
export function githubKey(secret: string): Uint8Array | undefined {
  return secret.length >= MIN_SECRET_BYTES ? new TextEncoder().encode(secret) : undefined
}
