// Issued IAM tokens. Several stay valid at once: a new token does not invalidate older ones
// (docs/upstream.md § IAM token); revokeAll() simulates a password change (tokens become invalid).
import { randomBytes } from 'node:crypto'

export interface IssuedToken {
  token: string
  /** null for a domain-scoped token. */
  project_id: string | null
  user_id: string
  issued_at: number
  expires_at: number
  revoked: boolean
}

/**
 * 2880 bytes → 3840 base64 chars: inside the 1.2–9.1 KB range estimated in § IAM token
 * (doc prefix `MIIPAg…`).
 */
const TOKEN_BYTES = 2880

/**
 * A CMS-looking opaque token: DER SEQUENCE header 0x30 0x82 + 2-byte length, then random bytes.
 * Base64 of that header is `MII…`, like every real token (§ IAM token).
 */
export function newTokenString(): string {
  const bytes = randomBytes(TOKEN_BYTES)
  bytes[0] = 0x30
  bytes[1] = 0x82
  bytes.writeUInt16BE(TOKEN_BYTES - 4, 2)
  return bytes.toString('base64')
}

/** ISO-8601 UTC with microseconds, like `2020-01-04T09:05:22.701000Z` (§ IAM token). */
export function iamTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

export class TokenStore {
  #tokens = new Map<string, IssuedToken>()

  issue(fields: Omit<IssuedToken, 'token' | 'revoked'>): IssuedToken {
    const issued: IssuedToken = { ...fields, token: newTokenString(), revoked: false }
    this.#tokens.set(issued.token, issued)
    return issued
  }

  lookup(token: string): IssuedToken | undefined {
    return this.#tokens.get(token)
  }

  revokeAll(): void {
    for (const t of this.#tokens.values()) t.revoked = true
  }

  all(): string[] {
    return [...this.#tokens.keys()]
  }

  clear(): void {
    this.#tokens.clear()
  }
}
