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

/**
 * The IAM token the bench upstream issues, and so what every side sends to DIS as X-Auth-Token:
 * 4 KiB, the middle of what Huawei IAM issues (1–9 KB; a header of this size costs real CPU to
 * copy and send, which a 64-byte stand-in hides). Deterministic, not a credential.
 */
export const IAM_TOKEN_BYTES = 4096
export const IAM_TOKEN = `MII${createHash('sha512')
  .update('bench-iam-token')
  .digest('base64url')
  .repeat(Math.ceil(IAM_TOKEN_BYTES / 86))}`.slice(0, IAM_TOKEN_BYTES)

/** Same compatibility date as wrangler.jsonc, so every worker runs with the same flags. */
export const COMPATIBILITY_DATE = '2026-11-01'

/**
 * The bench loads one client far past the production rate limit (600 requests per 60 s per
 * client id, wrangler.jsonc): the binding stays on the request path, with a limit the load never
 * reaches, so its cost is measured and its refusals are not.
 */
export const BENCH_RATE_LIMIT = { limit: 1_000_000_000, period: 60 as const }

export type LedgerMode = 'on' | 'off'

export interface GatewayVars {
  ledger: LedgerMode
  /** WORKERS_SUBREQUEST_LIMIT; unset is the Free plan's 50. */
  subrequestLimit?: number
  /** 'off': console.log becomes a no-op sink (bench/workers/gateway-entry.js). */
  logSink?: 'off'
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
    ...(vars.logSink ? { BENCH_LOG_SINK: vars.logSink } : {}),
  }
}

/**
 * The baselines need where DIS and IAM are (they log in to IAM themselves on their first reset,
 * with the same password body as the gateway, and keep the token in module memory), and whether
 * to read the checkpoint before deleting it (the bare Hono worker's stand-in for the v2
 * snapshot).
 */
export function baselineBindings(upstreamUrl: string, snapshot = false): Record<string, string> {
  return {
    DIS_ENDPOINT: upstreamUrl,
    IAM_ENDPOINT: upstreamUrl,
    IAM_DOMAIN_NAME: 'bench-domain',
    IAM_USER_NAME: 'bench-user',
    IAM_PASSWORD: 'bench-password',
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

/**
 * Partitions the load rotates over (0 … LOAD_PARTITIONS − 1). A reset, move or undo leases its
 * partition (docs/shared-state.md), so concurrent requests for ONE partition would mostly
 * answer 409 partition_busy; callers that reset at this rate reset different partitions.
 */
export const LOAD_PARTITIONS = 16

/** The partitions in turn, forever: one per request sent. */
export function rotatingPartitions(): () => string {
  let next = 0
  return () => String(next++ % LOAD_PARTITIONS)
}

/** The move case's body: "rewind 1 hour" of one partition, applied (not a plan). */
export function moveBody(partition = PARTITION): string {
  return JSON.stringify({
    stream_name: STREAM,
    app_name: APP,
    partition_id: partition,
    to: { type: 'duration', duration: 'PT1H' },
  })
}

/** The webhook body: the same reset as `resetPath()`, as a flat JSON object. */
export function webhookBody(partition = PARTITION): string {
  return JSON.stringify({ stream_name: STREAM, app_name: APP, partition_id: Number(partition) })
}

export interface Turn {
  connections: number
  warmupS: number
  durationS: number
  /** A fixed number of measured requests instead of `durationS` (same n in every turn). */
  requests?: number
}

const full = {
  /** Rounds of every alternating case; medians and spreads are over these. */
  rounds: 3,
  /**
   * Worker CPU per request, the headline: a light, steady load (4 connections, far from
   * saturating the worker's core, so each request is billed about as it would be alone), a
   * fixed number of requests per turn, 9 alternating rounds (order rotated every round).
   */
  cpu: { connections: 4, warmupS: 1, durationS: 0, requests: 4000 },
  cpuRounds: 9,
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
  /** Rounds of the cold-start case (each starts every worker twice). */
  coldStarts: 7,
  allPartitions: 32,
  allSamples: 5,
  /** The gateway's fan-out for `all` (src/reset.ts FAN_OUT): the ideal is computed from it. */
  fanOut: 5,
}

const quick: typeof full = {
  ...full,
  rounds: 3,
  cpu: { connections: 4, warmupS: 0.3, durationS: 0, requests: 600 },
  cpuRounds: 5,
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
