import type { ClientConfig } from '../config/types'
import { AppError } from '../errors/app-error'
import { verifyGithubSignature } from './github'
import { TOLERANCE_SECONDS, verifyStandardWebhook } from './standard-webhooks'

export interface VerifiedDelivery {
  client: ClientConfig
  deliveryId: string
  /** How long this delivery id must be remembered to stop replays of it. */
  replayTtlMs: number
}

const GITHUB_REPLAY_TTL_MS = 24 * 3_600_000

/**
 * Authenticates a webhook delivery for `client_id`. An unknown client, a client without webhook
 * secrets, missing headers and a wrong signature all produce the *same* 401, so client ids
 * cannot be probed (contract §4). A bearer key is not a credential here. The internal reason
 * goes to the log only.
 */
export async function verifyDelivery(
  clientsById: ReadonlyMap<string, ClientConfig>,
  clientId: string,
  headers: Headers,
  body: Uint8Array,
  nowMs: number
): Promise<VerifiedDelivery> {
  const client = clientsById.get(clientId)
  if (!client || client.webhookKeys.length === 0) throw unauthenticated('unknown webhook client')
  const nowSeconds = Math.floor(nowMs / 1000)
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
          nowSeconds,
        })
  if (!result.ok) throw unauthenticated(`webhook signature rejected: ${result.reason}`)
  // Remember a Standard Webhooks id until its timestamp goes stale (up to 600 s ahead when the
  // sender's clock runs fast); GitHub deliveries never go stale, so they are kept for a day.
  const replayTtlMs =
    client.signature === 'github'
      ? GITHUB_REPLAY_TTL_MS
      : (result.timestamp + TOLERANCE_SECONDS - nowSeconds + 1) * 1000
  return { client, deliveryId: result.deliveryId, replayTtlMs }
}

function unauthenticated(reason: string): AppError {
  return new AppError('unauthenticated', {
    detail: 'The webhook signature is missing or invalid',
    reason,
  })
}
