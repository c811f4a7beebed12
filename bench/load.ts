/**
 * Load generation. autocannon drives the runs; latencies are taken from its per-response event
 * (sub-millisecond floats) rather than its histogram, which keeps whole milliseconds only — too
 * coarse for ratios of latencies that are a few milliseconds apart.
 */
import autocannon from 'autocannon'
import { REQUEST_HEADERS } from './config.ts'

export interface LoadResult {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Every completed response, whatever its status. */
  responses: number
  /** Responses other than 2xx, plus connection errors and timeouts: a run with any is suspect. */
  failures: number
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

export function load(url: string, options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = []
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'DELETE',
        headers: REQUEST_HEADERS,
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.durationS ?? 10 }),
        timeout: 10,
      },
      (error, result) => {
        if (error) return reject(error)
        const sorted = Float64Array.from(latencies).sort()
        resolve({
          // Completed 2xx responses over the measured wall time, like autocannon's own average.
          requestsPerSecond: result['2xx'] / (result.duration || 1),
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          responses: result.requests.total,
          failures: result.non2xx + result.errors + result.timeouts,
        })
      }
    )
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
    })
  })
}

/**
 * Fires `count` requests at once. undici's default pool has no connection limit, so each
 * request that finds the others busy opens its own connection: a cold burst, not a queue.
 */
export async function burst(url: string, count: number): Promise<number[]> {
  const responses = await Promise.all(
    Array.from({ length: count }, () =>
      fetch(url, { method: 'DELETE', headers: REQUEST_HEADERS }).then(async (response) => {
        await response.arrayBuffer()
        return response.status
      })
    )
  )
  return responses
}
