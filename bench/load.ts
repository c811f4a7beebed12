/**
 * Load generation. autocannon drives the runs; latencies are taken from its per-response event
 * (sub-millisecond floats) rather than its histogram, which keeps whole milliseconds only — too
 * coarse for differences of a few milliseconds.
 */
import autocannon from 'autocannon'

export interface LoadResult {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Every completed response, whatever its status. */
  responses: number
  /**
   * Requests sent: the responses plus those still in flight when the run stopped (at most one
   * per connection), which the worker serves all the same.
   */
  sent: number
  /** Responses other than 2xx, plus connection errors and timeouts: a run with any is suspect. */
  failures: number
  /** Status codes of the responses that were not 2xx, with their counts (for the log). */
  badStatuses: Record<string, number>
}

/** One kind of request: fixed, or built per request (each webhook delivery needs its own id). */
export interface RequestShape {
  method: 'DELETE' | 'POST' | 'GET'
  path: string
  headers: Record<string, string>
  body?: string
  /** Per-request path, headers or body; called once per request sent (warm-up included). */
  next?: () => { path?: string; headers?: Record<string, string>; body?: string }
}

export interface LoadOptions {
  connections: number
  durationS?: number
  amount?: number
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)] ?? Number.NaN
}

export function load(
  origin: string,
  shape: RequestShape,
  options: LoadOptions
): Promise<LoadResult> {
  const latencies: number[] = []
  const badStatuses: Record<string, number> = {}
  const next = shape.next
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${origin}${shape.path}`,
        method: shape.method,
        headers: shape.headers,
        ...(shape.body === undefined ? {} : { body: shape.body }),
        ...(next
          ? {
              requests: [
                {
                  setupRequest: (request) => {
                    const { path, headers, body } = next()
                    return {
                      ...request,
                      ...(path === undefined ? {} : { path }),
                      headers: { ...shape.headers, ...headers },
                      ...(body === undefined ? {} : { body }),
                    }
                  },
                },
              ],
            }
          : {}),
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.durationS ?? 10 }),
        timeout: 10,
      },
      (error, result) => {
        if (error) return reject(error)
        const sorted = Float64Array.from(latencies).sort()
        // With a request count, autocannon's duration is whole seconds: use our own clock.
        const seconds = options.amount ? (performance.now() - started) / 1000 : result.duration
        resolve({
          // Completed 2xx responses over the measured wall time, like autocannon's own average.
          requestsPerSecond: result['2xx'] / (seconds || 1),
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          responses: result.requests.total,
          sent: (result.requests as { sent?: number }).sent ?? result.requests.total,
          failures: result.non2xx + result.errors + result.timeouts,
          badStatuses,
        })
      }
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
      else badStatuses[statusCode] = (badStatuses[statusCode] ?? 0) + 1
    })
  })
}

/** One request, read to the end: status, body and wall time. */
export async function once(
  origin: string,
  shape: RequestShape
): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now()
  const { path = shape.path, headers, body: sent = shape.body } = shape.next?.() ?? {}
  const response = await fetch(`${origin}${path}`, {
    method: shape.method,
    headers: { ...shape.headers, ...headers },
    ...(sent === undefined ? {} : { body: sent }),
  })
  const body = await response.text()
  return { status: response.status, body, ms: performance.now() - started }
}

/**
 * Fires `count` requests at once. undici's default pool has no connection limit, so each
 * request that finds the others busy opens its own connection: a cold burst, not a queue.
 */
export async function burst(origin: string, shape: RequestShape, count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async () => (await once(origin, shape)).status))
}
