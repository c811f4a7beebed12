import type { Context } from 'hono'
import { durableLedger, type LedgerStore } from '../ledger/store'
import { stateCallBudget } from '../lib/concurrency'
import { writeLateFailure } from '../log'
import { AppError } from '../problems'
import { brokeredTokenSupply } from '../token/supply'
import type { TokenSupply, UpstreamContext, UpstreamDeps } from '../upstream/context'
import type { AppEnv } from './context'

/**
 * The one deadline of a request: its arrival plus the retry policy's overall budget. Body
 * reading, shared-state calls and upstream calls all count down to it.
 */
export function requestDeadline(c: Context<AppEnv>, deps: UpstreamDeps): number {
  return c.get('startedAt') + deps.policy.deadlineMs
}

/**
 * The upstream view of one request: the isolate's configuration and token cache, the
 * deployment's token broker, and one deadline counted from the request's arrival — so body
 * reading, shared-state calls and upstream calls together stay inside it.
 */
export function upstreamFor(c: Context<AppEnv>, deps: UpstreamDeps): UpstreamContext {
  const { config, tokens } = c.get('isolate')
  const startedAt = c.get('startedAt')
  const deadline = requestDeadline(c, deps)
  let supply: TokenSupply | undefined
  const ctx: UpstreamContext = {
    config,
    tokens,
    deps,
    startedAt,
    deadline,
    stats: { attempts: 0, iamCalls: 0, token: 'none' },
    subrequests: { used: 0, limit: config.subrequestLimit },
    // Built on first use: with a cached token (the common case) a request never needs it.
    // At most half the time left goes to the broker, so a hung broker still leaves room for
    // the isolate's own IAM fetch (the fallback) before the deadline.
    get supply() {
      supply ??= brokeredTokenSupply(ctx, c.env.TOKEN_BROKER, () =>
        stateCallBudget(deadline, deps.now(), 0.5)
      )
      return supply
    },
  }
  return ctx
}

/** The reset ledger for this request, or null with RESET_LEDGER=off (a pure DELETE proxy). */
export function ledgerFor(c: Context<AppEnv>, deps: UpstreamDeps): LedgerStore | null {
  const { config } = c.get('isolate')
  if (!config.ledger) return null
  const deadline = requestDeadline(c, deps)
  return durableLedger({
    namespace: c.env.LEDGER,
    now: deps.now,
    retentionMs: config.ledgerRetentionMs,
    timeoutMs: () => stateCallBudget(deadline, deps.now()),
  })
}

/** The ledger routes need the ledger: with RESET_LEDGER=off they say so, clearly. */
export function requireLedger(
  c: Context<AppEnv>,
  deps: UpstreamDeps,
  detail = 'The reset ledger is off on this gateway (RESET_LEDGER=off): resets are not recorded and cannot be listed or undone'
): LedgerStore {
  const ledger = ledgerFor(c, deps)
  if (ledger) return ledger
  throw new AppError('not_found', { detail })
}

/**
 * Work that must finish but need not delay the answer (recording an outcome): handed to the
 * runtime with `waitUntil`, which keeps the invocation alive for it. Without an execution
 * context (the app driven directly from Node) it simply runs on.
 */
export function backgroundFor(
  c: Context<AppEnv>
): (work: Promise<unknown>, failure: { reason: string; reset_id?: string }) => void {
  return (running, { reason, ...extra }) => {
    const work = running.catch(() => writeLateFailure(c.get('requestId'), reason, extra))
    try {
      c.executionCtx.waitUntil(work)
    } catch {
      void work
    }
  }
}
