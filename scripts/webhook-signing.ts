/**
 * Signs webhook deliveries the way senders do, for `npm run send-webhook` and the tests.
 * Written against the specs, independently of the gateway's verifier (src/webhooks/), so the
 * tests check one implementation against another.
 * - Standard Webhooks v1: `webhook-signature: v1,base64(HMAC-SHA256(base64decode(secret), "id.ts.body"))`
 * - GitHub: `X-Hub-Signature-256: sha256=hex(HMAC-SHA256(utf8(secret), body))`
 */
const encoder = new TextEncoder()

async function hmac(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey(
    'raw',
    key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
  return new Uint8Array(await crypto.subtle.sign('HMAC', imported, message))
}

function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

export interface StandardDelivery {
  secret: string
  id: string
  /** Unix seconds. */
  timestamp: number
  body: string | Uint8Array
}

export async function standardWebhookHeaders(d: StandardDelivery): Promise<Record<string, string>> {
  const key = base64ToBytes(d.secret.startsWith('whsec_') ? d.secret.slice(6) : d.secret)
  const body = typeof d.body === 'string' ? encoder.encode(d.body) : d.body
  const prefix = encoder.encode(`${d.id}.${d.timestamp}.`)
  const content = new Uint8Array(prefix.length + body.length)
  content.set(prefix)
  content.set(body, prefix.length)
  return {
    'webhook-id': d.id,
    'webhook-timestamp': String(d.timestamp),
    'webhook-signature': `v1,${bytesToBase64(await hmac(key, content))}`,
  }
}

export async function githubHeaders(d: {
  secret: string
  id: string
  body: string | Uint8Array
}): Promise<Record<string, string>> {
  const body = typeof d.body === 'string' ? encoder.encode(d.body) : d.body
  const digest = await hmac(encoder.encode(d.secret), body)
  return {
    'X-GitHub-Delivery': d.id,
    'X-Hub-Signature-256': `sha256=${[...digest].map((b) => b.toString(16).padStart(2, '0')).join('')}`,
  }
}

/** A fresh random `whsec_` secret of 32 bytes. */
export function newStandardWebhookSecret(): string {
  return `whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`
}
