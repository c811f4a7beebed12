import { createMiddleware } from 'hono/factory'
import * as z from 'zod/mini'
import { decodeCursor } from '../ledger/store'
import { lazy } from '../lib/lazy'
import { untrusted } from '../log'
import {
  APP_NAME,
  APP_NAME_RULE,
  CheckpointQuerySchema,
  name,
  once,
  STREAM_NAME,
  STREAM_NAME_RULE,
} from '../model/checkpoint-target'
import { AppError, toFieldErrors } from '../problems'
import type { AppEnv } from './context'

/** `?=x`, `&=x`: a parameter whose name is empty (no parameter accepts `?` or `&` in a value). */
const EMPTY_NAME = /[?&]=/

/**
 * Validates the query against a strict zod schema, synchronously, in one middleware (what
 * `@hono/zod-validator` did through Hono's validator layer and zod's async parse: a dispatch
 * step and a promise chain per request, bench/RESULTS.md). On failure it throws a 400
 * `invalid_request` problem with `errors: [{field, message}]`; the route reads the parsed
 * query with `c.req.valid('query')` as before. A parameter given once is a string, a repeated
 * one an array (which the strict schemas refuse), as Hono's validator presents them.
 *
 * What reaches the log: for a known parameter, an escaped, truncated copy of its value; for an
 * unknown one, its name only — never its value: callers put keys in query strings by mistake
 * (`?access_token=…`), and a log is no place for them (OWASP Logging Cheat Sheet, "Data to
 * exclude"). A parameter with an empty name (`?=x`) is refused before the schema runs.
 *
 * `schemaOf` is called on the first request the route serves (src/lib/lazy.ts: a route not taken
 * before a cold start's first reset costs that start nothing).
 */
export function validateQuery<T extends z.ZodMiniObject>(schemaOf: () => T) {
  const knownOf = lazy(() => new Set(Object.keys(schemaOf().shape)))
  return createMiddleware<
    AppEnv,
    string,
    { in: { query: z.input<T> }; out: { query: z.output<T> } }
  >(async function validateQuery(c, next) {
    const queries = c.req.queries()
    const value: Record<string, string | string[]> = {}
    for (const field in queries) {
      const values = queries[field] ?? []
      value[field] = values.length === 1 ? (values[0] ?? '') : values
    }
    const result = z.safeParse(schemaOf(), value)
    const emptyName = EMPTY_NAME.test(c.req.url)
    if (!result.success || emptyName) {
      c.get('log').rejected = Object.entries(queries).map(([field, values]) =>
        knownOf().has(field)
          ? { field, value: untrusted(values.join(',')) }
          : { field: untrusted(field) }
      )
      const errors = result.success ? [] : toFieldErrors(result.error.issues)
      if (emptyName)
        errors.push({ field: '(query)', message: 'a parameter name must not be empty' })
      throw new AppError('invalid_request', {
        detail: 'The request parameters are invalid',
        errors,
      })
    }
    c.req.addValidatedData('query', result.data as object)
    await next()
  })
}

/**
 * Query schemas of the read and ledger routes (docs/api.md "Safety net", "Reading checkpoints").
 * Strict objects like the DELETE's: an unknown or repeated parameter is a 400. Each is built on
 * first use (src/lib/lazy.ts).
 */

/** `GET /v1/checkpoints`: the DELETE's parameters, without `dry_run` (a read changes nothing). */
export const readQuerySchema = lazy(() => z.omit(CheckpointQuerySchema, { dry_run: true }))

export const RESETS_LIMIT_DEFAULT = 20
const LIMIT_RULE = 'limit must be a whole number from 1 to 100'

/** `GET /v1/resets`. */
export const resetListQuerySchema = lazy(() =>
  z.strictObject({
    stream_name: z.optional(name('stream_name', STREAM_NAME, STREAM_NAME_RULE)),
    app_name: z.optional(name('app_name', APP_NAME, APP_NAME_RULE)),
    limit: z.optional(
      z.pipe(
        z
          .string({ error: once('limit') })
          .check(z.regex(/^([1-9][0-9]?|100)$/, { error: LIMIT_RULE })),
        z.transform(Number)
      )
    ),
    cursor: z.optional(
      z.string({ error: once('cursor') }).check(
        z.refine((cursor) => decodeCursor(cursor) !== undefined, {
          error: 'cursor must be a next_cursor value from a previous page',
        })
      )
    ),
  })
)

/** `POST /v1/resets/{reset_id}/undo`. */
export const undoQuerySchema = lazy(() =>
  z.strictObject({
    force: z.optional(z.enum(['true', 'false'], { error: 'force must be true or false' })),
  })
)

/** `GET /v1/resets/{reset_id}` takes no query parameters. */
export const noQuerySchema = lazy(() => z.strictObject({}))
