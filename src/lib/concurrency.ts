import { AppError } from '../problems'

/** Longest wait for one Durable Object call; the request's own deadline may cut it shorter. */
export const STATE_CALL_TIMEOUT_MS = 2_000

/**
 * How long a shared-state call may take now: at most 2 s, never past the request's deadline;
 * `share` < 1 keeps the rest of the remaining time for a fallback.
 */
export function stateCallBudget(deadline: number, now: number, share = 1): number {
  return Math.min(STATE_CALL_TIMEOUT_MS, (deadline - now) * share)
}

/**
 * Awaits a call to the gateway's shared state for at most `timeoutMs`. A Durable Object call
 * cannot be cancelled, but the request must not wait past its deadline for one (a hung object
 * would otherwise hold a webhook sender past its own 10 s timeout): on timeout or error the
 * caller gets `503 state_unavailable`, and whatever was asked of the object is not relied on.
 */
export async function boundedCall<T>(
  what: string,
  timeoutMs: number,
  call: () => Promise<T>
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(stateUnavailable(what, 'timed out')), Math.max(0, timeoutMs))
  })
  try {
    return await Promise.race([call(), timeout])
  } catch (error) {
    if (error instanceof AppError) throw error
    throw stateUnavailable(what, error instanceof Error ? error.name : 'failed')
  } finally {
    if (timer !== null) clearTimeout(timer)
  }
}

function stateUnavailable(what: string, why: string): AppError {
  return new AppError('state_unavailable', {
    detail: 'The gateway could not reach its shared state; nothing was sent upstream. Retry later.',
    headers: { 'Retry-After': '5' },
    reason: `${what} ${why}`,
  })
}

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
