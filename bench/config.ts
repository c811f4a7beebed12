/**
 * Fixed inputs of the benchmark: identities, request shapes and the run plan. Everything is
 * local (127.0.0.1); nothing here is a real credential.
 */
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const OUT_DIR = fileURLToPath(new URL('.out/', import.meta.url))

/** `--quick` (or BENCH_QUICK=1): every case, short turns, for smoke tests; never a verdict. */
export const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
export const RESULTS_PATH = QUICK
  ? fileURLToPath(new URL('.out/RESULTS.quick.md', import.meta.url))
  : fileURLToPath(new URL('RESULTS.md', import.meta.url))

export const PROJECT_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'
export const API_KEY = 'bench-key-0123456789abcdefghijklmnopqrstuvwxyz'
const KEY_SHA256 = createHash('sha256').update(API_KEY).digest('hex')
/** Standard Webhooks secret of the bench's webhook client: `whsec_` + base64 of 32 bytes. */
export const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
export const WEBHOOK_CLIENT = 'hook'

/** Same compatibility date as wrangler.toml, so every worker runs with the same flags. */
export const COMPATIBILITY_DATE = '2026-11-01'

/**
 * The bench loads one client far past the production rate limit (600 requests per 60 s per
 * client id, wrangler.toml): the binding stays on the request path, with a limit the load never
 * reaches, so its cost is measured and its refusals are not.
 */
export const BENCH_RATE_LIMIT = { limit: 1_000_000_000, period: 60 as const }

export type LedgerMode = 'on' | 'off'

export interface GatewayVars {
  ledger: LedgerMode
  /** WORKERS_SUBREQUEST_LIMIT; unset is the Free plan's 50. */
  subrequestLimit?: number
}

/** The gateway's configuration, pointed at the bench upstream. */
export function gatewayBindings(upstreamUrl: string, vars: GatewayVars): Record<string, string> {
  return {
    DIS_REGION: 'cn-north-4',
    DIS_PROJECT_ID: PROJECT_ID,
    IAM_DOMAIN_NAME: 'bench-domain',
    IAM_USER_NAME: 'bench-user',
    IAM_PASSWORD: 'bench-password',
    GATEWAY_CLIENTS: JSON.stringify([
      { id: 'bench', api_key_sha256: [KEY_SHA256], allow: ['*/*'] },
      {
        id: WEBHOOK_CLIENT,
        webhook_secrets: [WEBHOOK_SECRET],
        signature: 'standard-webhooks',
        allow: ['*/*'],
      },
    ]),
    DIS_ENDPOINT: upstreamUrl,
    IAM_ENDPOINT: upstreamUrl,
    RESET_LEDGER: vars.ledger,
    ...(vars.subrequestLimit ? { WORKERS_SUBREQUEST_LIMIT: String(vars.subrequestLimit) } : {}),
  }
}

/**
 * The baselines need only where DIS is, and whether to read the checkpoint before deleting it
 * (the bare Hono worker's stand-in for the v2 snapshot).
 */
export function baselineBindings(upstreamUrl: string, snapshot = false): Record<string, string> {
  return {
    DIS_ENDPOINT: upstreamUrl,
    DIS_PROJECT_ID: PROJECT_ID,
    BASELINE_SNAPSHOT: snapshot ? 'on' : 'off',
  }
}

export const STREAM = 'orders'
export const APP = 'billing'
export const PARTITION = '7'

/** The bearer request every target is loaded with (the baselines ignore the Authorization header). */
export function resetPath(partition = PARTITION): string {
  return `/v1/checkpoints?stream_name=${STREAM}&app_name=${APP}&partition_id=${partition}`
}

export const REQUEST_HEADERS = { authorization: `Bearer ${API_KEY}` }

/** The webhook body: the same reset as `resetPath()`, as a flat JSON object. */
export const WEBHOOK_BODY = JSON.stringify({
  stream_name: STREAM,
  app_name: APP,
  partition_id: Number(PARTITION),
})

export interface Turn {
  connections: number
  warmupS: number
  durationS: number
}

const full = {
  /** Rounds of every alternating case; medians and spreads are over these. */
  rounds: 3,
  /** Pure proxy: saturated (50 connections, upstream instant), the throughput ratio case. */
  proxy: { connections: 50, warmupS: 1, durationS: 4 },
  /** Full reset, upstream instant: one connection, so latency is service time, not queueing. */
  resetInstant: { connections: 1, warmupS: 1, durationS: 4 },
  /**
   * Full reset and webhook vs bearer, 20 ms per upstream call: a light load (resets are rare,
   * operator-driven events), enough concurrency for a few hundred samples per turn, and far from
   * saturating workerd, so the added latency is the path's own, not a queue's.
   */
  resetDelayed: { connections: 4, warmupS: 1, durationS: 4 },
  upstreamDelayMs: 20,
  /** Measured seconds of each diagnostic turn (one round, not a verdict). */
  diagnosticS: 2,
  sequentialRequests: 10_000,
  coldBurst: 50,
  coldBurstTrials: 3,
  /** Fresh starts per worker for the cold-start figure. */
  coldStarts: 5,
  allPartitions: 32,
  allSamples: 5,
  /** The gateway's fan-out for `all` (src/reset.ts FAN_OUT): the ideal is computed from it. */
  fanOut: 5,
}

const quick: typeof full = {
  ...full,
  rounds: 3,
  proxy: { connections: 50, warmupS: 0.3, durationS: 1 },
  resetInstant: { connections: 1, warmupS: 0.3, durationS: 1 },
  resetDelayed: { connections: 4, warmupS: 0.3, durationS: 1 },
  diagnosticS: 1,
  sequentialRequests: 500,
  coldBurstTrials: 1,
  coldStarts: 2,
  allSamples: 2,
}

export const PLAN = QUICK ? quick : full
