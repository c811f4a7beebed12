/**
 * Fixed inputs of the benchmark: identities, request shape and the run plan. Everything is
 * local (127.0.0.1); nothing here is a real credential.
 */
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const OUT_DIR = fileURLToPath(new URL('.out/', import.meta.url))
export const RESULTS_PATH = fileURLToPath(new URL('RESULTS.md', import.meta.url))

export const PROJECT_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'
export const API_KEY = 'bench-key-0123456789abcdefghijklmnopqrstuvwxyz'
const KEY_SHA256 = createHash('sha256').update(API_KEY).digest('hex')

/** Same compatibility date as wrangler.toml, so all three workers run with the same flags. */
export const COMPATIBILITY_DATE = '2026-11-01'

/** The gateway's configuration, pointed at the bench upstream. */
export function gatewayBindings(upstreamUrl: string): Record<string, string> {
  return {
    DIS_REGION: 'cn-north-4',
    DIS_PROJECT_ID: PROJECT_ID,
    IAM_DOMAIN_NAME: 'bench-domain',
    IAM_USER_NAME: 'bench-user',
    IAM_PASSWORD: 'bench-password',
    GATEWAY_CLIENTS: JSON.stringify([
      { id: 'bench', api_key_sha256: [KEY_SHA256], allow: ['*/*'] },
    ]),
    DIS_ENDPOINT: upstreamUrl,
    IAM_ENDPOINT: upstreamUrl,
  }
}

/** The baselines need only where DIS is. */
export function baselineBindings(upstreamUrl: string): Record<string, string> {
  return { DIS_ENDPOINT: upstreamUrl, DIS_PROJECT_ID: PROJECT_ID }
}

export const STREAM = 'orders'
export const APP = 'billing'

/** The request every target is loaded with (the baselines ignore the Authorization header). */
export function resetPath(partition: string): string {
  return `/v1/checkpoints?stream_name=${STREAM}&app_name=${APP}&partition_id=${partition}`
}

export const REQUEST_HEADERS = { authorization: `Bearer ${API_KEY}` }

export const PLAN = {
  connections: 50,
  durationS: 10,
  warmupS: 2,
  /** Rounds of raw → hono → gateway; ≥ 2 so drift shows up as spread, not as a ratio. */
  rounds: 2,
  sequentialRequests: 10_000,
  coldBurst: 50,
  /** Fresh gateways started: the start-up median and the cold-burst worst case come from these. */
  coldStarts: 3,
  allPartitions: 32,
  allLatencyMs: 50,
}
