import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/parse'
import { defaultIamEndpoint, parseEndpoint } from '../../../src/config/schema'

const HASH = 'a'.repeat(64)
const base = {
  DIS_REGION: 'cn-north-4',
  DIS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  IAM_DOMAIN_NAME: 'acme-account',
  IAM_USER_NAME: 'gw-user',
  IAM_PASSWORD: 'hunter2-very-secret',
  GATEWAY_CLIENTS: JSON.stringify([
    { id: 'billing-svc', api_key_sha256: [HASH], allow: ['orders/billing'] },
  ]),
}

function reasonsOf(env: Record<string, unknown>): string[] {
  const result = parseConfig(env)
  if (result.ok) throw new Error('expected an invalid configuration')
  return result.reasons
}

describe('parseConfig', () => {
  it('parses a valid configuration with regional default endpoints', () => {
    const result = parseConfig(base)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.disEndpoint).toBe('https://dis.cn-north-4.myhuaweicloud.com')
    expect(result.config.iamEndpoint).toBe('https://iam.cn-north-4.myhuaweicloud.com')
    expect(result.config.clientsById.get('billing-svc')?.apiKeyHashes[0]).toHaveLength(32)
  })

  it('uses the sovereign EU IAM domain for eu-west-101', () => {
    expect(defaultIamEndpoint('eu-west-101')).toBe('https://iam.eu-west-101.myhuaweicloud.eu')
    const result = parseConfig({ ...base, DIS_REGION: 'eu-west-101' })
    expect(result.ok && result.config.iamEndpoint).toBe('https://iam.eu-west-101.myhuaweicloud.eu')
    expect(result.ok && result.config.disEndpoint).toBe('https://dis.eu-west-101.myhuaweicloud.com')
  })

  it('treats empty endpoint vars as unset', () => {
    const result = parseConfig({ ...base, DIS_ENDPOINT: '', IAM_ENDPOINT: '' })
    expect(result.ok && result.config.disEndpoint).toBe('https://dis.cn-north-4.myhuaweicloud.com')
  })

  it.each([
    ['DIS_REGION', undefined, 'DIS_REGION is required'],
    ['DIS_REGION', 'evil.example.com/x', 'DIS_REGION has an invalid format'],
    ['DIS_PROJECT_ID', 'not-a-project', 'DIS_PROJECT_ID has an invalid format'],
    ['IAM_PASSWORD', '', 'IAM_PASSWORD is required'],
    ['GATEWAY_CLIENTS', '{nope', 'GATEWAY_CLIENTS is not valid JSON'],
    ['DIS_ENDPOINT', 'http://dis.example.com', 'DIS_ENDPOINT must use https://'],
    [
      'IAM_ENDPOINT',
      'https://user:pw@iam.example.com',
      'IAM_ENDPOINT must not contain credentials',
    ],
    [
      'DIS_ENDPOINT',
      'https://dis.example.com/prefix',
      'DIS_ENDPOINT must be an origin without a path',
    ],
  ])('refuses %s=%j', (key, value, reason) => {
    expect(reasonsOf({ ...base, [key]: value }).join('\n')).toContain(reason)
  })

  it.each([
    [[{ id: 'Bad Id', api_key_sha256: [HASH], allow: [] }], 'GATEWAY_CLIENTS[0].id'],
    [[{ id: 'a', api_key_sha256: ['ABC'], allow: [] }], 'GATEWAY_CLIENTS[0].api_key_sha256[0]'],
    [
      [{ id: 'a', api_key_sha256: [HASH.toUpperCase()], allow: [] }],
      'must be 64 lowercase hex digits',
    ],
    [[{ id: 'a', allow: [] }], 'needs at least one of api_key_sha256 and webhook_secrets'],
    [[{ id: 'a', api_key_sha256: [HASH], allow: ['orders'] }], 'GATEWAY_CLIENTS[0].allow[0]'],
    [[{ id: 'a', api_key_sha256: [HASH], allow: ['or*ders/x'] }], 'GATEWAY_CLIENTS[0].allow[0]'],
    [[{ id: 'a', api_key_sha256: [HASH], allow: [], alow: ['*/*'] }], 'GATEWAY_CLIENTS[0]'],
    [
      [
        { id: 'a', api_key_sha256: [HASH], allow: [] },
        { id: 'a', api_key_sha256: [HASH], allow: [] },
      ],
      'unique',
    ],
    [
      [
        {
          id: 'a',
          webhook_secrets: ['x'],
          allow: [],
          target: { stream_name: 'o', app_name: 'b', partition_id: '+1' },
        },
      ],
      'target.partition_id',
    ],
    [{ id: 'a' }, 'GATEWAY_CLIENTS'],
  ])('refuses client list %j', (clients, reason) => {
    expect(reasonsOf({ ...base, GATEWAY_CLIENTS: JSON.stringify(clients) }).join('\n')).toContain(
      reason
    )
  })

  it('reads RESET_VERIFY_SECONDS 0-25 (default 10) and RESUME_AFTER in the allow grammar', () => {
    const defaults = parseConfig(base)
    if (!defaults.ok) throw new Error('expected a valid configuration')
    expect(defaults.config.verifySeconds).toBe(10)
    expect(defaults.config.resumesAfter('orders', 'billing')).toBe(false)
    const set = parseConfig({
      ...base,
      RESET_VERIFY_SECONDS: '0',
      RESUME_AFTER: 'orders/bill*, x/*',
    })
    if (!set.ok) throw new Error('expected a valid configuration')
    expect(set.config.verifySeconds).toBe(0)
    expect(set.config.resumesAfter('orders', 'billing')).toBe(true)
    expect(set.config.resumesAfter('orders', 'ledger')).toBe(false)
    for (const bad of ['26', '00', '-1', '1.5']) {
      expect(reasonsOf({ ...base, RESET_VERIFY_SECONDS: bad }).join()).toContain(
        'RESET_VERIFY_SECONDS must be a whole number from 0 to 25'
      )
    }
    const reasons = reasonsOf({ ...base, RESUME_AFTER: 'orders/billing,,secret-app' })
    expect(reasons).toEqual([expect.stringContaining('RESUME_AFTER item 2 of 3')])
    expect(reasons.join()).not.toContain('secret-app')
  })

  it('never puts a configured value into a reason', () => {
    const secret = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ='
    const reasons = reasonsOf({
      ...base,
      IAM_ENDPOINT: 'ftp://hunter2-very-secret@x',
      GATEWAY_CLIENTS: JSON.stringify([{ id: secret, webhook_secrets: [secret], allow: [secret] }]),
    }).join('\n')
    expect(reasons).not.toContain('hunter2')
    expect(reasons).not.toContain('c2VjcmV0')
  })

  it('canonicalizes a fixed target', () => {
    const clients = [
      {
        id: 'ci',
        webhook_secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        allow: ['orders/*'],
        target: { stream_name: 'orders', app_name: 'billing', partition_id: 7 },
      },
    ]
    const result = parseConfig({ ...base, GATEWAY_CLIENTS: JSON.stringify(clients) })
    expect(result.ok && result.config.clients[0]?.target?.partition_id).toBe('shardId-0000000007')
  })
})

describe('parseEndpoint', () => {
  it.each([
    ['https://dis.example.com', 'https://dis.example.com'],
    ['https://dis.example.com/', 'https://dis.example.com'],
    ['http://127.0.0.1:8788', 'http://127.0.0.1:8788'],
    ['http://localhost:8788', 'http://localhost:8788'],
    ['http://[::1]:8788', 'http://[::1]:8788'],
  ])('accepts %s', (raw, origin) => {
    expect(parseEndpoint(raw)).toEqual({ origin })
  })

  it.each([
    'http://10.0.0.1',
    'http://127.0.0.1.evil.com',
    'ftp://x',
    'javascript:alert(1)',
    'https://x?y=1',
    'https://x#f',
    'not a url',
  ])('refuses %s', (raw) => {
    expect(parseEndpoint(raw)).toHaveProperty('error')
  })
})
