// X-Auth-Token check, run first on every DIS route.
// T11 / docs/upstream.md § APIGW errors: the API gateway answers 401 APIGW.0301 (setting
// token_error_style 'apigw', default); DIS's own auth layer would answer HTTP 441 DIS.4113/4114
// (§ DIS error codes, 'dis441').
import { apigwErrorBody, disErrorBody } from './errors.ts'
import type { Reply } from './http-util.ts'
import type { Instance } from './instance.ts'
import { iamTime } from './tokens.ts'

type Failure = 'missing' | 'invalid' | 'expired'

function tokenError(inst: Instance, requestId: string, failure: Failure, expiresAt: number): Reply {
  const { token_error_style, error_shape } = inst.settings
  if (token_error_style === 'dis441') {
    return {
      status: 441,
      body: disErrorBody(error_shape, failure === 'missing' ? 'DIS.4113' : 'DIS.4114'),
    }
  }
  const detail =
    failure === 'missing'
      ? 'x-auth-token not found'
      : failure === 'expired'
        ? `token expires, expires_at: ${iamTime(expiresAt)}`
        : 'decrypt token fail' // unknown, tampered or revoked
  return {
    status: 401,
    body: apigwErrorBody(
      'APIGW.0301',
      requestId,
      `Incorrect IAM authentication information: ${detail}`
    ),
  }
}

/** Returns the error reply, or null when the token may act on `projectId`. */
export function checkDisToken(
  inst: Instance,
  header: string | undefined,
  projectId: string,
  requestId: string
): Reply | null {
  const token = header?.trim() ?? ''
  if (token === '') return tokenError(inst, requestId, 'missing', 0)
  const issued = inst.tokens.lookup(token)
  if (!issued || issued.revoked) return tokenError(inst, requestId, 'invalid', 0)
  if (Date.now() >= issued.expires_at) {
    return tokenError(inst, requestId, 'expired', issued.expires_at)
  }
  // T12 ⚠: a project-scoped token only acts in its own project (§ DIS requests).
  if (issued.project_id !== projectId) {
    return { status: 400, body: disErrorBody(inst.settings.error_shape, 'DIS.4117', [projectId]) }
  }
  return null
}
