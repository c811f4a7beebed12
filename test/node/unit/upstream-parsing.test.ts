import { describe, expect, it } from 'vitest'
import { compileAllowRule, isAllowed } from '../../../src/model/client'
import {
  classifyDis,
  classifyIam,
  classifyIdentityCheck,
  upstreamErrorCode,
} from '../../../src/upstream/classify'
import { readIssuedToken } from '../../../src/upstream/iam'

describe('upstreamErrorCode', () => {
  it.each([
    ['{"errorCode":"DIS.4301","message":"Stream does not exist. [orders][0a1b]"}', 'DIS.4301'],
    [
      '{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"x"}',
      'APIGW.0301',
    ],
    [
      '{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}',
      '401',
    ],
    ['{"error":{"code":"IAM.0062","message":"Incorrect password."}}', 'IAM.0062'],
    ['not json', null],
    ['', null],
    ['[1,2]', null],
    ['{"errorCode":"<script>alert(1)</script>"}', null],
    [`{"errorCode":"${'A'.repeat(40)}"}`, null],
    ['{"errorCode":{"nested":true}}', null],
  ])('%s → %s', (body, code) => {
    expect(upstreamErrorCode(body)).toBe(code)
  })
})

const response = (status: number, body = '', headers: Record<string, string> = {}) =>
  ({ kind: 'response', status, body, headers: new Headers(headers) }) as const

describe('classifyDis', () => {
  const now = Date.now()
  it.each([
    [204, '', 'ok', undefined],
    [401, '{"error_code":"APIGW.0301","error_msg":"x"}', 'token_rejected', 'upstream_auth_failed'],
    [
      441,
      '{"errorCode":"DIS.4114","message":"Invalid Token header."}',
      'token_rejected',
      'upstream_auth_failed',
    ],
    [429, '{"error_code":"APIGW.0308","error_msg":"x"}', 'retry', 'rate_limited'],
    [400, '{"errorCode":"DIS.4303","message":"x"}', 'retry', 'rate_limited'],
    [400, '{"errorCode":"DIS.4305","message":"x"}', 'retry', 'rate_limited'],
    [500, '{"errorCode":"DIS.5000","message":"System error."}', 'retry', 'upstream_error'],
    [503, '', 'retry', 'upstream_unavailable'],
    [400, '{"errorCode":"DIS.4301","message":"x"}', 'fail', 'stream_not_found'],
    [400, '{"errorCode":"DIS.4332","message":"app not found."}', 'fail', 'app_not_found'],
    [400, '{"errorCode":"DIS.4302","message":"x"}', 'fail', 'partition_not_found'],
    [
      400,
      '{"errorCode":"DIS.4117","message":"Invalid Project Id."}',
      'fail',
      'upstream_auth_failed',
    ],
    [403, '{"errorCode":"DIS.4116","message":"Invalid RBAC."}', 'fail', 'upstream_auth_failed'],
    [
      403,
      '{"errorCode":"DIS.4309","message":"Too many request failures."}',
      'fail',
      'upstream_unavailable',
    ],
    [400, '{"errorCode":"DIS.4201","message":"Invalid partition_id."}', 'fail', 'invalid_request'],
    [
      400,
      '{"errorCode":"DIS.4224","message":"Sequence number out of range."}',
      'fail',
      'sequence_expired',
    ],
    [307, '', 'fail', 'upstream_error'],
    [404, '{"error_code":"APIGW.0101","error_msg":"x"}', 'fail', 'upstream_error'],
  ])('%d %s → %s %s', (status, body, kind, code) => {
    const verdict = classifyDis(response(status, body), now)
    expect(verdict.kind).toBe(kind)
    if (code) expect('error' in verdict && verdict.error.code).toBe(code)
  })

  it('network errors and timeouts are retried', () => {
    expect(classifyDis({ kind: 'network' }, now)).toMatchObject({
      kind: 'retry',
      error: { code: 'upstream_unavailable' },
    })
    expect(classifyDis({ kind: 'timeout' }, now)).toMatchObject({
      kind: 'retry',
      error: { code: 'upstream_timeout' },
    })
  })

  it('carries Retry-After of a throttled answer', () => {
    const verdict = classifyDis(response(429, '', { 'Retry-After': '2' }), now)
    expect(verdict).toMatchObject({ kind: 'retry', throttled: true, retryAfterMs: 2_000 })
    expect('error' in verdict && verdict.error.options.headers?.['Retry-After']).toBe('2')
  })
})

describe('classifyIam', () => {
  it.each([
    [201, 'ok', undefined],
    [400, 'fail', 'upstream_auth_failed'],
    [401, 'fail', 'upstream_auth_failed'],
    [403, 'fail', 'upstream_auth_failed'],
    [429, 'retry', 'upstream_unavailable'],
    [500, 'retry', 'upstream_unavailable'],
    [302, 'fail', 'upstream_error'],
  ])('%d → %s %s', (status, kind, code) => {
    const verdict = classifyIam(response(status), Date.now())
    expect(verdict.kind).toBe(kind)
    if (code) expect('error' in verdict && verdict.error.code).toBe(code)
  })
})

describe('classifyIdentityCheck (ListStreams after a rejected token)', () => {
  it('only a 2xx clears the token; a refusal, an error or no answer does not', () => {
    expect(classifyIdentityCheck(response(200, '{"total_number":1}'))).toBe('accepted')
    for (const outcome of [
      response(401, '{"error_code":"APIGW.0301"}'),
      response(441, '{"errorCode":"DIS.4114"}'),
      response(403, '{"errorCode":"DIS.4116"}'),
      response(429),
      response(500),
      response(302),
      { kind: 'timeout' as const },
      { kind: 'network' as const },
    ]) {
      expect(classifyIdentityCheck(outcome)).toBe('refused')
    }
  })
})

describe('readIssuedToken', () => {
  const now = Date.UTC(2026, 0, 1)
  const body = (expires: string, issued?: string) =>
    JSON.stringify({ token: { expires_at: expires, ...(issued ? { issued_at: issued } : {}) } })

  it('uses expires_at − issued_at as the lifetime (robust to clock skew)', () => {
    const issued = readIssuedToken(
      'MIItoken-value-abcdef',
      body('2020-01-04T09:05:22.701000Z', '2020-01-04T08:05:22.701000Z'),
      now
    )
    expect(issued).toEqual({
      token: 'MIItoken-value-abcdef',
      expiresAt: now + 3_600_000,
      issuedAt: now,
    })
  })

  it('falls back to the absolute expires_at without issued_at', () => {
    expect(
      readIssuedToken('MIItoken-value-abcdef', body('2026-01-01T02:00:00.000000Z'), now)?.expiresAt
    ).toBe(now + 7_200_000)
  })

  it.each([
    [null, body('2026-01-02T00:00:00Z')],
    ['', body('2026-01-02T00:00:00Z')],
    ['short', body('2026-01-02T00:00:00Z')],
    ['MIItoken\r\nInjected: header', body('2026-01-02T00:00:00Z')],
    ['MIItoken-value-abcdef', '{}'],
    ['MIItoken-value-abcdef', 'not json'],
    ['MIItoken-value-abcdef', body('yesterday')],
    ['MIItoken-value-abcdef', body('2025-12-31T00:00:00Z')],
  ])('refuses header %j with body %s', (header, text) => {
    expect(readIssuedToken(header, text, now)).toBeUndefined()
  })
})

describe('allow patterns', () => {
  const rules = ['orders/billing', 'events/*', 'ord*/bill*', '*/audit'].map(compileAllowRule)
  it.each([
    ['orders', 'billing', true],
    ['events', 'anything', true],
    ['orderbook', 'billing-v2', true],
    ['any', 'audit', true],
    ['orders', 'analytics', false],
    ['event', 'x', false],
    ['xorders', 'billing', false],
    ['any', 'audit2', false],
  ])('%s/%s → %s', (stream, app, allowed) => {
    expect(isAllowed(rules, stream, app)).toBe(allowed)
  })

  it('no pattern, no access', () => {
    expect(isAllowed([], 'orders', 'billing')).toBe(false)
  })
})
