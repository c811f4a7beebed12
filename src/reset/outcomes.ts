import type { AppError } from '../errors/app-error'
import type { ProblemCode } from '../errors/codes'

/**
 * Which cause speaks for a multi-partition failure: our own identity first, then data that is
 * gone for good, then time, then availability.
 */
const CAUSE_PRIORITY: ProblemCode[] = [
  'upstream_auth_failed',
  'sequence_expired',
  'upstream_timeout',
  'upstream_unavailable',
  'rate_limited',
  'upstream_error',
]

function rank(code: ProblemCode): number {
  const i = CAUSE_PRIORITY.indexOf(code)
  return i < 0 ? CAUSE_PRIORITY.length : i
}

/** The most serious of several failures (the first, among equals). */
export function mostSerious(errors: readonly AppError[]): AppError | undefined {
  return [...errors].sort((a, b) => rank(a.code) - rank(b.code))[0]
}

/** The code a partial failure answers with: the most serious known cause, else upstream_error. */
export function partialCode(cause: AppError | undefined): ProblemCode {
  return cause && rank(cause.code) < CAUSE_PRIORITY.length ? cause.code : 'upstream_error'
}
