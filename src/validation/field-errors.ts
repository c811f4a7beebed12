import type { FieldError } from '../errors/app-error'
import { untrusted } from '../logging/request-log'

interface Issue {
  code: string
  path: PropertyKey[]
  message: string
  keys?: string[]
}

/**
 * Turns schema issues into the problem's `errors: [{field, message}]`. Unknown parameter names
 * are caller input, so they are passed through `untrusted()` before being echoed.
 */
export function toFieldErrors(issues: readonly Issue[], prefix = ''): FieldError[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return (issue.keys ?? []).map((key) => ({
        field: prefix + untrusted(key),
        message: 'is not a known parameter',
      }))
    }
    const field = prefix + issue.path.map((p) => String(p)).join('.')
    return [{ field: field || '(body)', message: issue.message }]
  })
}
