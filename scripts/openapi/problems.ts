import { PROBLEM_TYPE_BASE, PROBLEMS, type ProblemCode } from '../../src/errors/codes.ts'
import { type JsonSchema, schemaRef } from './json-schema.ts'

/**
 * Problem responses, derived from the problem table in src/errors/codes.ts — the one source for
 * codes, statuses and titles; nothing about a code is restated here. A code added there appears
 * in components.examples at once; routes.ts says which operations answer it.
 *
 * An entry of that table may also carry `when` (what the contract's §2 table says about it) and
 * `headers` (response headers it always sends, such as Retry-After); both are read when present.
 */
export type ProblemHeader = 'Retry-After' | 'WWW-Authenticate' | 'Allow'

interface ProblemEntry {
  readonly status: number
  readonly title: string
  readonly when?: string
  readonly headers?: readonly ProblemHeader[]
}

const entry = (code: ProblemCode): ProblemEntry => PROBLEMS[code]

export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[]

/** One example problem per code, kept once in components.examples and referenced. */
export function problemExample(code: ProblemCode) {
  const { status, title } = entry(code)
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

/** Response headers some codes carry on one operation (e.g. the bearer challenge). */
export type ExtraHeaders = Partial<Record<ProblemCode, ProblemHeader[]>>

/** One problem response for a status, covering the given codes (all of that status). */
export function problemResponse(codes: ProblemCode[], extraHeaders: ExtraHeaders = {}) {
  const first = codes[0]
  if (!first) throw new Error('a problem response needs at least one code')
  const { status } = entry(first)
  if (codes.some((code) => entry(code).status !== status))
    throw new Error(`codes of different statuses in one response: ${codes.join(', ')}`)
  const headers: Record<string, unknown> = {
    'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
    'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
  }
  for (const code of codes) {
    for (const name of [...(entry(code).headers ?? []), ...(extraHeaders[code] ?? [])])
      headers[name] = { $ref: `#/components/headers/${name}` }
  }
  const schema: JsonSchema = {
    allOf: [
      { $ref: schemaRef('Problem') },
      { properties: { status: { const: status }, code: { enum: codes } } },
    ],
  }
  return {
    description: codes
      .map((code) => `${code}: ${entry(code).when ?? `${entry(code).title}.`}`)
      .join(' '),
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
export function problemResponses(codes: readonly ProblemCode[], extraHeaders: ExtraHeaders = {}) {
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of new Set(codes)) {
    const { status } = entry(code)
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, group]) => [String(status), problemResponse(group, extraHeaders)])
  )
}
