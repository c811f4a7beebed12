import type { CheckpointTarget } from './checkpoint-target'
import {
  type MoveFieldError,
  type MoveTarget,
  type OutOfRange,
  parseMoveRequest,
} from './move-target'

export interface ClientConfig {
  id: string
  /** SHA-256 digests (32 bytes each) of the accepted API keys; the keys are never stored. */
  apiKeyHashes: Uint8Array[]
  /** HMAC keys decoded from `webhook_secrets` (the secrets themselves are not kept). */
  webhookKeys: Uint8Array[]
  signature: 'standard-webhooks' | 'github'
  /** A fixed webhook target, with the move every delivery performs when it names one. */
  target: (CheckpointTarget & { move?: HookMove }) | undefined
  allow: AllowRule[]
  /** The same rules as written (`stream/app`), for filtering the ledger inside its object. */
  allowPatterns: string[]
}

/**
 * A webhook's move (docs/api.md "Webhooks"): the `to` and `out_of_range` of a delivery's body or
 * of a client's fixed `target`. Without `to` the delivery is the DELETE.
 */
export interface HookMove {
  to: MoveTarget
  out_of_range: OutOfRange
}

/**
 * The optional `to` / `out_of_range` of a webhook body or fixed target: none → no move;
 * `out_of_range` alone is an error (there is nothing to clamp).
 */
export function parseHookMove(raw: {
  to?: unknown
  out_of_range?: unknown
}): { ok: true; move?: HookMove } | { ok: false; errors: MoveFieldError[] } {
  if (raw.to === undefined) {
    return raw.out_of_range === undefined
      ? { ok: true }
      : { ok: false, errors: [{ field: 'out_of_range', message: 'out_of_range needs to' }] }
  }
  const parsed = parseMoveRequest(raw)
  if (!parsed.ok) return parsed
  return { ok: true, move: { to: parsed.to, out_of_range: parsed.outOfRange } }
}

/**
 * `allow` patterns (README "Clients"): `stream/app`, where each half is `*` (any name), a prefix
 * ending in `*` (`billing-*`), or an exact name. No pattern, no access (OWASP API1/API5: every
 * key is scoped). Patterns are compiled once, when the configuration is parsed.
 */

/** One pattern: `stream/app`; each half is `*`, a name, or a name prefix ending in `*`. */
export const ALLOW_PATTERN = /^(\*|[A-Za-z0-9_-]{1,64}\*?)\/(\*|[A-Za-z0-9_-]{1,50}\*?)$/

type NameMatcher = (name: string) => boolean

export interface AllowRule {
  stream: NameMatcher
  app: NameMatcher
}

function compileHalf(half: string): NameMatcher {
  if (half === '*') return () => true
  if (half.endsWith('*')) {
    const prefix = half.slice(0, -1)
    return (name) => name.startsWith(prefix)
  }
  return (name) => name === half
}

/** Compiles one validated `stream/app` pattern. */
export function compileAllowRule(pattern: string): AllowRule {
  const slash = pattern.indexOf('/')
  return {
    stream: compileHalf(pattern.slice(0, slash)),
    app: compileHalf(pattern.slice(slash + 1)),
  }
}

/** Whether any of the client's `allow` rules covers the stream/app pair. */
export function isAllowed(rules: readonly AllowRule[], stream: string, app: string): boolean {
  return rules.some((rule) => rule.stream(stream) && rule.app(app))
}
