/**
 * HMAC-SHA256 with WebCrypto, plus the small encodings the signature schemes need.
 * Imported keys are cached per isolate as resolved CryptoKeys (never as shared promises: see
 * upstream/token-cache.ts for why).
 */
const keyCache = new WeakMap<Uint8Array, CryptoKey>()

/** An HMAC-SHA256 signing key made from raw key bytes. */
async function hmacKey(secret: Uint8Array): Promise<CryptoKey> {
  const cached = keyCache.get(secret)
  if (cached) return cached
  const key = await crypto.subtle.importKey(
    'raw',
    secret,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
  keyCache.set(secret, key)
  return key
}

/** HMAC-SHA256 of `message` under `secret`. */
export async function hmacSha256(secret: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), message))
}

/** Standard base64 (padding optional, as the official libraries accept); undefined if invalid. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return undefined
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0))
  } catch {
    return undefined
  }
}

/** Lower- or upper-case hex; undefined if invalid. */
export function decodeHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** The byte arrays one after the other, in one new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Lower-case hex of the bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

/**
 * Constant-time equality of two byte arrays. Callers compare fixed-size digests, so the only
 * length difference possible is a programming error, which returns false without timing data
 * about the contents. The loop never exits early (timing attacks on comparisons: CWE-208).
 */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

const encoder = new TextEncoder()

/** SHA-256 of the bytes, or of the UTF-8 bytes of a string. */
export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}
