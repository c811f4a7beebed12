import type { GatewayConfig } from '../config/parse'
import { parseConfig } from '../config/parse'
import { EnvSchema } from '../config/schema'
import type { TokenCache } from '../upstream/context'

/** The isolate's parsed configuration and the caches that belong to it. */
export interface Isolate {
  config: GatewayConfig
  tokens: TokenCache
}

export type IsolateResult = { ok: true; isolate: Isolate } | { ok: false; reasons: string[] }

/** The bindings the configuration is made of; a change in any of them is a new configuration. */
const CONFIG_KEYS = Object.keys(EnvSchema.shape)
/**
 * Bindings (not strings) the gateway cannot work without, declared in wrangler.jsonc. A deploy
 * that lost one fails closed with `misconfigured` instead of failing open (e.g. without a
 * replay guard) or half-way through a reset.
 */
const REQUIRED_BINDINGS = ['REPLAY_GUARD', 'TOKEN_BROKER', 'LEDGER', 'CLIENT_RATE_LIMITER'] as const

const MAX_REMEMBERED = 4

/**
 * Parses the configuration once per isolate (parsed once, not per request) and keeps the
 * token cache with it. Looked up by the `env` object first; if the runtime hands us a new `env`
 * object with the same values, the values are compared (identical strings compare in O(1)),
 * so the token cache survives. A changed secret yields a fresh isolate state and a fresh cache: a
 * token is never reused across identities.
 */
export function createIsolateStore(newTokenCache: () => TokenCache) {
  const byEnv = new WeakMap<object, IsolateResult>()
  let remembered: { values: unknown[]; result: IsolateResult }[] = []

  return function isolateFor(env: object): IsolateResult {
    const known = byEnv.get(env)
    if (known) return known
    const record = env as Record<string, unknown>
    const values = [...CONFIG_KEYS, ...REQUIRED_BINDINGS].map((key) => record[key])
    let entry = remembered.find((r) => r.values.every((v, i) => v === values[i]))
    if (!entry) {
      const parsed = parseConfig(record)
      const missing = REQUIRED_BINDINGS.filter((name) => typeof record[name] !== 'object').map(
        (name) => `binding ${name} is missing (see wrangler.jsonc)`
      )
      const result: IsolateResult =
        parsed.ok && missing.length === 0
          ? { ok: true, isolate: { config: parsed.config, tokens: newTokenCache() } }
          : { ok: false, reasons: [...missing, ...(parsed.ok ? [] : parsed.reasons)] }
      entry = { values, result }
      remembered = [entry, ...remembered].slice(0, MAX_REMEMBERED)
    }
    byEnv.set(env, entry.result)
    return entry.result
  }
}
