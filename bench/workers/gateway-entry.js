/**
 * Bench-only entry around the unmodified gateway bundle (copied next to this file as
 * gateway.js at build time): the same Durable Object classes and the same fetch handler, with
 * one binding swapped — CLIENT_RATE_LIMITER becomes a fixed-window counter in this isolate's
 * memory.
 *
 * Why: Miniflare simulates the Rate Limiting binding with a SQLite-backed Durable Object that
 * writes a row on every `limit()` call and answers only once the write is durable, one call at a
 * time. That caps a gateway at well under a hundred requests per second here and puts
 * milliseconds on every request — a cost of the simulator, not of the gateway: on Cloudflare
 * the binding counts in memory at the edge, without a storage write. The counter below keeps a
 * real `await limit()` with a real count on the request path. The simulator's cost is measured
 * separately (RESULTS.md, pure proxy diagnostics).
 *
 * BENCH_LOG_SINK=off (a bench-only binding) makes console.log a no-op sink: the gateway still
 * builds and serialises its log line, but the line goes nowhere. With it on one side and not on
 * the other, the difference is what handing the line to the runtime costs; bench/profile.ts
 * uses it so the inspector (which serialises every console.log for DevTools) does not inflate
 * the log line's share.
 */
import gateway from './gateway.js'

export * from './gateway.js'

const LIMIT = 1_000_000_000
const PERIOD_MS = 60_000
const buckets = new Map()

const limiter = {
  async limit({ key }) {
    const window = Math.floor(Date.now() / PERIOD_MS)
    const bucket = buckets.get(key)
    if (!bucket || bucket.window !== window) {
      buckets.set(key, { window, count: 1 })
      return { success: true }
    }
    bucket.count += 1
    return { success: bucket.count <= LIMIT }
  },
}

/** One wrapped env per env object, so the gateway's per-env configuration cache still hits. */
const wrapped = new WeakMap()
function withLimiter(env) {
  let copy = wrapped.get(env)
  if (!copy) {
    copy = { ...env, CLIENT_RATE_LIMITER: limiter }
    wrapped.set(env, copy)
  }
  return copy
}

const noop = () => undefined

export default {
  fetch: (request, env, ctx) => {
    if (env.BENCH_LOG_SINK === 'off' && console.log !== noop) console.log = noop
    return gateway.fetch(request, withLimiter(env), ctx)
  },
}
