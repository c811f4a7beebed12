import type { ProblemCode } from './codes'

/** One field-level validation message (`errors[]` in a 400 problem). */
export interface FieldError {
  field: string
  message: string
}

/** What the upstream said, reduced to the two values that are safe to show a caller. */
export interface UpstreamSummary {
  status: number | null
  error_code: string | null
}

export interface AppErrorOptions {
  /** Safe, caller-facing explanation. Defaults to the code's title. */
  detail?: string
  /** Internal reason for the log line only; never sent on the wire. Must hold no secret. */
  reason?: string
  errors?: FieldError[]
  upstream?: UpstreamSummary
  /** Extra response headers (`Retry-After`, `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>
  /** Extra members for the problem body (e.g. per-partition outcomes). */
  extensions?: Record<string, unknown>
}

/**
 * The one error type of the gateway. Everything that goes wrong is thrown (or returned) as an
 * AppError and rendered once, by `renderProblem`, so the wire format cannot drift.
 */
export class AppError extends Error {
  readonly code: ProblemCode
  readonly options: AppErrorOptions

  constructor(code: ProblemCode, options: AppErrorOptions = {}) {
    super(options.detail ?? code)
    this.name = 'AppError'
    this.code = code
    this.options = options
  }
}
