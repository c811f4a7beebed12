/**
 * Remembers accepted webhook deliveries per isolate, so a redelivered or replayed delivery is
 * answered with the first result and causes no second upstream call (Standard Webhooks spec:
 * use `webhook-id` as an idempotency key).
 *
 * Bounded in size (oldest entries are evicted first) and in age:
 * - Standard Webhooks: as long as the timestamp tolerance (300 s). After that the signature check
 *   itself rejects the delivery as stale, so nothing older needs remembering.
 * - GitHub: no timestamp, so a captured delivery never goes stale; ids are kept for 24 h.
 *
 * What this does NOT cover: memory is per isolate. Cloudflare runs many isolates (per data
 * centre, and evicts them at will), so a replay that lands on another isolate, or after an
 * eviction, is processed again. Within the 300 s window a captured Standard Webhooks delivery
 * can therefore reset the same checkpoint again; a captured GitHub delivery can, after its id is
 * forgotten, at any time. A reset is idempotent in itself, but repeating it later rewinds a
 * consumer again. A Durable Object keyed by delivery id would close this gap (not built: one
 * extra subrequest per delivery, and a binding every deployment must create).
 *
 * Only successful results are stored: a sender that retries after our 503 must get a real retry.
 * Values are plain data (never promises): a concurrent duplicate polls for the first result.
 */
export interface StoredResult {
  status: number
  body: string
}

type Entry =
  | { state: 'pending'; expiresAt: number }
  | { state: 'done'; expiresAt: number; result: StoredResult }

export interface ReplayCacheOptions {
  now: () => number
  maxEntries?: number
}

export function createReplayCache(options: ReplayCacheOptions) {
  const { now } = options
  const maxEntries = options.maxEntries ?? 10_000
  const entries = new Map<string, Entry>()

  function live(key: string): Entry | undefined {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  function put(key: string, entry: Entry): void {
    entries.delete(key)
    entries.set(key, entry)
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value
      if (oldest === undefined) break
      entries.delete(oldest)
    }
  }

  return {
    /** The stored result, 'pending' while the first delivery is in flight, or undefined. */
    lookup(key: string): StoredResult | 'pending' | undefined {
      const entry = live(key)
      if (!entry) return undefined
      return entry.state === 'pending' ? 'pending' : entry.result
    },
    /** Marks a delivery as in flight for at most `ttlMs` (a cancelled request cannot block forever). */
    begin(key: string, ttlMs: number): void {
      put(key, { state: 'pending', expiresAt: now() + ttlMs })
    },
    complete(key: string, result: StoredResult, ttlMs: number): void {
      put(key, { state: 'done', expiresAt: now() + ttlMs, result })
    },
    /** The delivery failed: forget it so the sender's retry is processed. */
    abandon(key: string): void {
      if (entries.get(key)?.state === 'pending') entries.delete(key)
    },
    get size(): number {
      return entries.size
    },
  }
}

export type ReplayCache = ReturnType<typeof createReplayCache>
