/**
 * A value built on first use and then kept: `lazy(() => z.strictObject({…}))`. zod builds a
 * schema's whole object graph when it is declared, so a module-level schema costs CPU at module
 * evaluation, which every cold start pays (the "Cold start" figure in bench/RESULTS.md) even for
 * routes the first request never takes.
 */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined
  let built = false
  return () => {
    if (!built) {
      value = build()
      built = true
    }
    return value as T
  }
}
