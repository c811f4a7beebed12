import type { ClientConfig } from '../config/types'
import { sha256, timingSafeEqualBytes } from './bytes'

/**
 * Finds the client whose stored SHA-256 matches the presented API key.
 *
 * Keys are high-entropy random strings, so a fast hash is the right tool (no KDF needed) and
 * only the digest is ever stored. The digest is compared against *every* stored digest with a
 * constant-time comparison and no early exit, so response time does not reveal how much of a
 * digest matched or which client came close (CWE-208).
 */
export async function findClientByApiKey(
  clients: readonly ClientConfig[],
  key: string
): Promise<ClientConfig | undefined> {
  const digest = await sha256(key)
  let found: ClientConfig | undefined
  for (const client of clients) {
    for (const stored of client.apiKeyHashes) {
      if (timingSafeEqualBytes(digest, stored) && !found) found = client
    }
  }
  return found
}
