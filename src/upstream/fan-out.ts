/**
 * Runs `task` over `items` with at most `limit` in flight, keeping the input order in the
 * result. Promises stay inside the one request that created them (no cross-request sharing).
 */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>
): Promise<R[]> {
  if (items.length === 1) return [await task(items[0] as T)]
  const results = new Array<R>(items.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
