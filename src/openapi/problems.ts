import { PROBLEM_TYPE_BASE, PROBLEMS, type ProblemCode } from '../errors/codes'
import type { JsonSchema } from './json-schema'
import { schemaRef } from './json-schema'

type ProblemHeader = 'Retry-After' | 'WWW-Authenticate' | 'Allow'

interface ProblemDoc {
  /** When the gateway answers it (contract §2). */
  when: string
  /** `any-path`: not tied to an operation (unknown path, wrong method); `webhook`: body only. */
  scope?: 'any-path' | 'webhook'
  headers?: ProblemHeader[]
}

/**
 * What each problem code means. Typed against PROBLEMS, so a code added there without a line
 * here fails the typecheck: the document always lists every code with its status.
 */
export const PROBLEM_DOCS: Record<ProblemCode, ProblemDoc> = {
  invalid_request: {
    when: 'A parameter or body rule is broken, a parameter is unknown or repeated, the JSON is malformed, or the Authorization header is not "Bearer <key>".',
    headers: ['WWW-Authenticate'],
  },
  unauthenticated: {
    when: 'Missing or wrong API key or signature (one body for both; an unknown client_id is answered the same way).',
    headers: ['WWW-Authenticate'],
  },
  forbidden: { when: "The client's allow patterns do not cover this stream/app." },
  not_found: { when: 'Unknown path.', scope: 'any-path' },
  stream_not_found: { when: 'DIS does not know the stream (DIS.4301).' },
  app_not_found: { when: 'DIS does not know the app (DIS.4332).' },
  partition_not_found: {
    when: 'DIS does not know the partition, or it expired (DIS.4302, DIS.4319).',
  },
  method_not_allowed: { when: 'Known path, other method.', scope: 'any-path', headers: ['Allow'] },
  payload_too_large: { when: 'The body is over 16 KiB.', scope: 'webhook' },
  unsupported_media_type: { when: 'The body is not application/json.', scope: 'webhook' },
  rate_limited: { when: 'DIS kept throttling past the retry budget.', headers: ['Retry-After'] },
  upstream_error: { when: 'DIS failed or answered something unexpected, after retries.' },
  upstream_auth_failed: {
    when: "IAM refused the gateway's own credentials, or DIS refused a fresh token or the project.",
  },
  upstream_unavailable: {
    when: 'IAM or DIS unreachable or answering 503, or DIS blacklisted the egress IP (DIS.4309).',
    headers: ['Retry-After'],
  },
  upstream_timeout: { when: 'The overall deadline passed; safe to retry.' },
  misconfigured: {
    when: "The gateway's configuration is invalid (the reason is in its log only).",
  },
  internal: { when: 'Anything unexpected (no stack trace is sent).' },
}

const CODES = Object.keys(PROBLEMS) as ProblemCode[]

/** Codes an operation can answer: everything tied to operations, plus body codes if it has one. */
export function operationCodes(withBody: boolean): ProblemCode[] {
  return CODES.filter((code) => {
    const scope = PROBLEM_DOCS[code].scope
    return scope === undefined || (scope === 'webhook' && withBody)
  })
}

/** Codes any path can answer, documented once as reusable responses. */
export const ANY_PATH_CODES = CODES.filter((code) => PROBLEM_DOCS[code].scope === 'any-path')

/** One example problem per code, kept once in components.examples and referenced. */
export function problemExample(code: ProblemCode) {
  const { status, title } = PROBLEMS[code]
  return {
    summary: title,
    value: {
      type: `${PROBLEM_TYPE_BASE}${code}`,
      title,
      status,
      detail: title,
      code,
      request_id: '4f9c1a52-0d3e-4d8b-9a57-3b1f0c2e6d71',
    },
  }
}

export interface ResponseOptions {
  /** Headers this operation leaves out (the webhook route sends no WWW-Authenticate). */
  omitHeaders?: ProblemHeader[]
}

/** One problem response for a status, covering the given codes (all of that status). */
export function problemResponse(codes: ProblemCode[], options: ResponseOptions = {}) {
  const first = codes[0]
  if (!first) throw new Error('a problem response needs at least one code')
  const status = PROBLEMS[first].status
  const headers: Record<string, unknown> = {
    'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
    'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
  }
  for (const code of codes) {
    for (const name of PROBLEM_DOCS[code].headers ?? []) {
      if (!options.omitHeaders?.includes(name))
        headers[name] = { $ref: `#/components/headers/${name}` }
    }
  }
  const schema: JsonSchema = {
    allOf: [
      { $ref: schemaRef('Problem') },
      { properties: { status: { const: status }, code: { enum: codes } } },
    ],
  }
  return {
    description: codes.map((code) => `${code}: ${PROBLEM_DOCS[code].when}`).join(' '),
    headers,
    content: {
      'application/problem+json': {
        schema,
        examples: Object.fromEntries(
          codes.map((code) => [code, { $ref: `#/components/examples/${code}` }])
        ),
      },
    },
  }
}

/** An operation's problem responses, keyed by status, one response per status. */
export function problemResponses(codes: ProblemCode[], options: ResponseOptions = {}) {
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of codes) {
    const status = PROBLEMS[code].status
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [String(status), problemResponse(group, options)])
  )
}
