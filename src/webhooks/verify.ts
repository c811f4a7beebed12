import { bytesToHex, sha256 } from '../auth/bytes'
import type { ClientConfig } from '../config/types'
import { AppError } from '../errors/app-error'
import { verifyGithubSignature } from './github'
import { verifyStandardWebhook } from './standard-webhooks'

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
