// Error body shapes (docs/upstream.md § Error bodies): DIS answers {errorCode,message} per its
// SDKs, or {error_code,error_msg} per its docs (setting `error_shape`); the API gateway in front
// answers {error_msg,error_code,request_id} (§ APIGW errors); IAM answers Keystone-style nested
// errors (§ IAM token, T3/T4).
import type { EmulatorSettings } from './types.ts'

/**
 * Message templates (§ DIS error codes). Details are appended as ` [a][b]`, as in the
 * SDK-observed messages.
 */
const DIS_MESSAGES: Record<string, string> = {
  'DIS.4100': 'Authorization error.',
  'DIS.4113': 'Empty Token header.',
  'DIS.4114': 'Invalid Token header.',
  'DIS.4116': 'Invalid RBAC.',
  'DIS.4117': 'Invalid Project Id.',
  'DIS.4200': 'Invalid request.',
  'DIS.4201': 'Invalid partition_id.',
  'DIS.4202': 'Empty request.',
  'DIS.4205': 'Stream is not running.',
  'DIS.4215': 'Invalid cursor type.',
  'DIS.4216': 'Invalid sequence_number.',
  'DIS.4217': 'Invalid partition cursor.',
  'DIS.4224': 'Sequence_number out of range.',
  'DIS.4225': 'Expired partition cursor.',
  'DIS.4226': 'Partition iterator error.',
  'DIS.4300': 'Request error.',
  // JDIS-observed text; the doc table says "The stream does not exist." (see DOC_MESSAGES)
  'DIS.4301': 'Stream does not exist.',
  'DIS.4302': 'Partition does not exist.',
  'DIS.4303': 'Exceeded traffic control limit.',
  'DIS.4305': 'Too many stream requests.',
  'DIS.4309': 'Too many request failures. Please try again later.',
  'DIS.4319': 'Partition is expired.',
  'DIS.4332': 'app not found.',
  'DIS.4375': 'The app does not commit checkpoint',
  'DIS.5000': 'System error.',
}

/** Doc-shape wording where it differs (T8 doc alternative). */
const DOC_MESSAGES: Record<string, string> = {
  'DIS.4301': 'The stream does not exist.',
}

export const APIGW_MESSAGES: Record<string, string> = {
  'APIGW.0101': 'The API does not exist or has not been published in the environment.',
  'APIGW.0201': 'Request entity too large.',
  'APIGW.0301': 'Incorrect IAM authentication information: decrypt token fail',
  'APIGW.0308':
    'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second',
}

/** IAM error table (§ IAM token, OTCIAM) for fault bodies on the token route. */
const IAM_MESSAGES: Record<string, string> = {
  'IAM.0001': 'The request you have made requires authentication.',
  'IAM.0006': 'Internal server error.',
  'IAM.0012': 'The throttling threshold has been reached. Threshold: 10 times per 1 seconds',
  'IAM.0061': 'Account locked.',
  'IAM.0062': 'Incorrect password.',
  'IAM.0066': 'The token has expired.',
  'IAM.0067': 'Invalid token.',
  'IAM.0081': 'The user only supports console access.',
  'IAM.0082': 'The user is disabled.',
  'IAM.1109': 'Project not found.',
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

export function statusTitle(status: number): string {
  return STATUS_TITLES[status] ?? `Error ${status}`
}

function withDetails(text: string, details: readonly string[]): string {
  return details.length === 0 ? text : `${text} ${details.map((d) => `[${d}]`).join('')}`
}

export function disErrorBody(
  shape: EmulatorSettings['error_shape'],
  code: string,
  details: readonly string[] = []
): Record<string, string> {
  if (shape === 'doc') {
    const text = DOC_MESSAGES[code] ?? DIS_MESSAGES[code] ?? 'Request error.'
    return { error_code: code, error_msg: withDetails(text, details) }
  }
  return { errorCode: code, message: withDetails(DIS_MESSAGES[code] ?? 'Request error.', details) }
}

export function apigwErrorBody(code: string, requestId: string, message?: string) {
  return {
    error_msg: message ?? APIGW_MESSAGES[code] ?? 'Request error.',
    error_code: code,
    request_id: requestId,
  }
}

export function iamErrorBody(status: number, message?: string) {
  return {
    error: { code: status, message: message ?? statusTitle(status), title: statusTitle(status) },
  }
}

export function iamMessageFor(code: string): string | undefined {
  return IAM_MESSAGES[code]
}

/** Status a fault's `error_code` gets when the rule has no explicit `status`. */
export function defaultStatusForCode(code: string): number {
  const known: Record<string, number> = {
    'APIGW.0101': 404,
    'APIGW.0201': 413,
    'APIGW.0301': 401,
    'APIGW.0308': 429,
    'DIS.4116': 403,
    'IAM.0001': 401,
    'IAM.0006': 500,
    'IAM.0012': 429,
    'IAM.0061': 401,
    'IAM.0062': 401,
    'IAM.0066': 401,
    'IAM.0067': 401,
    'IAM.0081': 403,
    'IAM.0082': 403,
  }
  const fixed = known[code]
  if (fixed !== undefined) return fixed
  const dis = /^DIS\.(\d{4})$/.exec(code)
  if (dis?.[1]) {
    const n = Number(dis[1])
    if (n >= 4100 && n <= 4115) return 441 // DIS's own auth layer (§ DIS error codes)
    if (n >= 5000) return 500
  }
  return 400
}

/** Error code a fault with only a `status` uses on DIS routes (null: empty body). */
export function defaultCodeForStatus(status: number): string | null {
  if (status === 401) return 'APIGW.0301'
  if (status === 404) return 'APIGW.0101'
  if (status === 413) return 'APIGW.0201'
  if (status === 429) return 'APIGW.0308' // T13
  if (status === 441) return 'DIS.4114'
  if (status === 403) return 'DIS.4116'
  if (status >= 500) return 'DIS.5000'
  if (status >= 400) return 'DIS.4200'
  return null
}
