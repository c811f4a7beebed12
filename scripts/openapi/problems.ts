import { PROBLEM_DOCS, PROBLEMS, type ProblemCode } from '../../src/problems.ts'
import { type JsonSchema, schemaRef } from './json-schema.ts'

/**
 * Problem responses, derived from src/problems.ts — PROBLEMS for codes, statuses and
 * titles, PROBLEM_DOCS for when each is answered and the headers it always carries; nothing
 * about a code is restated here; routes.ts says which operations answer it. No example bodies:
 * they would only repeat the schema (type, title, status, code), and the document is inlined in
 * the Worker bundle, where every repeat costs bytes.
 */
export type ProblemHeader = 'Retry-After' | 'WWW-Authenticate' | 'Allow'

const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[]

/** Response headers some codes carry on one operation (e.g. the bearer challenge). */
export type ExtraHeaders = Partial<Record<ProblemCode, ProblemHeader[]>>

/** One problem response for a status, covering the given codes (all of that status). */
export function problemResponse(codes: readonly ProblemCode[], extraHeaders: ExtraHeaders = {}) {
  const first = codes[0]
  if (!first) throw new Error('a problem response needs at least one code')
  const { status } = PROBLEMS[first]
  if (codes.some((code) => PROBLEMS[code].status !== status))
    throw new Error(`codes of different statuses in one response: ${codes.join(', ')}`)
  const headers: Record<string, unknown> = {
    'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
    'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
  }
  for (const code of codes) {
    for (const name of [...(PROBLEM_DOCS[code].headers ?? []), ...(extraHeaders[code] ?? [])])
      headers[name] = { $ref: `#/components/headers/${name}` }
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
    content: { 'application/problem+json': { schema } },
  }
}

export type ProblemResponse = ReturnType<typeof problemResponse>

/**
 * The name of a problem response in components.responses: its codes joined with `.`, plus
 * `.with-<header>` for each header an operation adds. Operations that answer the same codes
 * share one response.
 */
export function problemResponseName(
  codes: readonly ProblemCode[],
  extraHeaders: ExtraHeaders = {}
): string {
  const extra = new Set(codes.flatMap((code) => extraHeaders[code] ?? []))
  return [...codes, ...[...extra].map((header) => `with-${header}`)].join('.')
}

/** An operation's problem codes grouped by status, in status order. */
export function byStatus(codes: readonly ProblemCode[]): [string, ProblemCode[]][] {
  const groups = new Map<number, ProblemCode[]>()
  for (const code of new Set(codes)) {
    const { status } = PROBLEMS[code]
    groups.set(status, [...(groups.get(status) ?? []), code])
  }
  // In table order, so the same codes always make the same group (and response name).
  const order = (code: ProblemCode) => PROBLEM_CODES.indexOf(code)
  return [...groups]
    .sort(([a], [b]) => a - b)
    .map(([status, group]) => [String(status), group.sort((a, b) => order(a) - order(b))])
}
