/**
 * Extracts the upstream error code from the three body shapes seen in the wild
 * (docs/upstream.md § Error bodies):
 * - DIS as its SDKs see it: `{"errorCode": "DIS.4301", "message": "…"}`
 * - documented / API gateway: `{"error_code": "APIGW.0301", "error_msg": "…"}`
 * - Keystone-style nested (IAM): `{"error": {"code": 401, "message": "…"}}`
 * Only the code survives, and only if it looks like a code: the message, which can contain
 * project ids, stream names or token details, is never kept (RFC 9457 §5 "not a debugging tool").
 */
const CODE_PATTERN = /^[A-Za-z0-9._-]{1,32}$/

export function upstreamErrorCode(body: string): string | null {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return null
  }
  if (!isRecord(json)) return null
  const nested = isRecord(json.error) ? json.error.code : undefined
  return sanitize(json.errorCode) ?? sanitize(json.error_code) ?? sanitize(nested) ?? null
}

function sanitize(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value
  return typeof text === 'string' && CODE_PATTERN.test(text) ? text : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
