/**
 * Credentials used by the tests. Every value here is a secret as far as the log-hygiene check
 * is concerned: none may ever appear in a log line or a response body.
 */
export const IAM_PASSWORD = 'S3cret!'

export const API_KEYS = {
  billing: 'gw_test_billing_6f2c9a41d8e7b3f05a1c',
  ops: 'gw_test_ops_current_93b1e0c7f4a2d865',
  opsRotated: 'gw_test_ops_previous_1d7e4b9a3c5f2068',
  prefix: 'gw_test_prefix_0c4a8e2f6b1d9357',
  nobody: 'gw_test_nobody_7a3f1c5e9d2b8460',
} as const

export const ALL_SECRETS: string[] = [IAM_PASSWORD, ...Object.values(API_KEYS)]

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The standard client list: one scoped service, one admin with a rotated key, a prefix rule, no access. */
export async function standardClients(): Promise<unknown[]> {
  return [
    {
      id: 'billing-svc',
      api_key_sha256: [await sha256Hex(API_KEYS.billing)],
      allow: ['orders/billing', 'events/*'],
    },
    {
      id: 'ops',
      api_key_sha256: [await sha256Hex(API_KEYS.ops), await sha256Hex(API_KEYS.opsRotated)],
      allow: ['*/*'],
    },
    { id: 'prefix-svc', api_key_sha256: [await sha256Hex(API_KEYS.prefix)], allow: ['ord*/bill*'] },
    { id: 'nobody', api_key_sha256: [await sha256Hex(API_KEYS.nobody)], allow: [] },
  ]
}
