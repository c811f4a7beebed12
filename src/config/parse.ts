import { bytesToHex, decodeBase64, decodeHex } from '../lib/crypto'
import { APP_NAME, partitionSelector, STREAM_NAME } from '../model/checkpoint-target'
import type { ClientConfig } from '../model/client'
import { compileAllowRule, isAllowed, parseHookMove } from '../model/client'
import { parseResumeAfter } from '../model/positions'
import {
  ClientsSchema,
  defaultDisEndpoint,
  defaultIamEndpoint,
  EnvSchema,
  parseEndpoint,
  type RawClient,
} from './schema'

/** The parsed, validated configuration. Built once per isolate and never mutated. */
export interface GatewayConfig {
  region: string
  projectId: string
  iamDomainName: string
  iamUserName: string
  iamPassword: string
  /** Origins without a trailing slash. */
  disEndpoint: string
  iamEndpoint: string
  /** `{disEndpoint}/v2/{projectId}/checkpoints`, built once: every checkpoint call starts here. */
  checkpointsUrl: string
  /**
   * Subrequests one invocation may make: the Workers platform limit of the account's plan
   * (Free 50, Paid 10 000). Bounds `partition_id=all` and retries so we answer a clear problem
   * instead of hitting the platform's "Too many subrequests".
   */
  subrequestLimit: number
  /** How long an accepted webhook delivery is remembered (REPLAY_RETENTION_HOURS). */
  replayRetentionMs: number
  /** RESET_LEDGER: snapshots, ledger and undo (true), or a pure DELETE proxy (false). */
  ledger: boolean
  /** How long ledger entries are kept (LEDGER_RETENTION_DAYS). */
  ledgerRetentionMs: number
  /**
   * RESUME_AFTER: whether an app resumes *after* its checkpoint (true) or *at* it, as Huawei's
   * DIS Kafka adapter does (false, every app by default).
   */
  resumesAfter: (stream: string, app: string) => boolean
  /**
   * RESET_VERIFY_SECONDS: how long after a reset's answer its partitions are re-read to see
   * whether a running consumer overwrote it; 0 = never.
   */
  verifySeconds: number
  clients: ClientConfig[]
  clientsById: Map<string, ClientConfig>
}

/**
 * Workers Free plan subrequest limit per invocation (docs/api.md "partition_id=all"); Paid is 10
 * 000.
 */
const FREE_PLAN_SUBREQUESTS = 50
const DEFAULT_REPLAY_RETENTION_HOURS = 96
const DEFAULT_LEDGER_RETENTION_DAYS = 30
/** Two adapter auto-commit intervals (5 s each): a running consumer has overwritten by then. */
const DEFAULT_RESET_VERIFY_SECONDS = 10
const HOUR_MS = 3_600_000

export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; reasons: string[] }

interface Issue {
  path: PropertyKey[]
  message: string
}

/** `GATEWAY_CLIENTS[1].allow[0]: must be …` — paths and our own messages only, never values. */
function describe(prefix: string, issues: readonly Issue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
      .join('')
    return `${prefix}${path}: ${issue.message}`
  })
}

/**
 * Parses the Worker's bindings into a GatewayConfig, or lists every reason it is invalid.
 * Pure and total: it never throws, so a bad secret can only ever produce 500 `misconfigured`.
 */
export function parseConfig(env: Record<string, unknown>): ConfigResult {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) return { ok: false, reasons: describe('', parsed.error.issues).map(trimDot) }
  const vars = parsed.data
  const reasons: string[] = []

  const dis = parseEndpoint(vars.DIS_ENDPOINT || defaultDisEndpoint(vars.DIS_REGION))
  const iam = parseEndpoint(vars.IAM_ENDPOINT || defaultIamEndpoint(vars.DIS_REGION))
  if ('error' in dis) reasons.push(`DIS_ENDPOINT ${dis.error}`)
  if ('error' in iam) reasons.push(`IAM_ENDPOINT ${iam.error}`)

  const clients = parseClients(vars.GATEWAY_CLIENTS, reasons)
  const resumeAfter = parseResumeAfter(vars.RESUME_AFTER)
  if (!resumeAfter.ok) reasons.push(resumeAfter.error)
  if (reasons.length > 0 || !clients || !resumeAfter.ok || 'error' in dis || 'error' in iam) {
    return { ok: false, reasons }
  }
  return {
    ok: true,
    config: {
      region: vars.DIS_REGION,
      projectId: vars.DIS_PROJECT_ID,
      iamDomainName: vars.IAM_DOMAIN_NAME,
      iamUserName: vars.IAM_USER_NAME,
      iamPassword: vars.IAM_PASSWORD,
      disEndpoint: dis.origin,
      checkpointsUrl: new URL(`/v2/${vars.DIS_PROJECT_ID}/checkpoints`, dis.origin).href,
      iamEndpoint: iam.origin,
      subrequestLimit: numberOr(vars.WORKERS_SUBREQUEST_LIMIT, FREE_PLAN_SUBREQUESTS),
      replayRetentionMs:
        numberOr(vars.REPLAY_RETENTION_HOURS, DEFAULT_REPLAY_RETENTION_HOURS) * HOUR_MS,
      ledger: vars.RESET_LEDGER !== 'off',
      ledgerRetentionMs:
        numberOr(vars.LEDGER_RETENTION_DAYS, DEFAULT_LEDGER_RETENTION_DAYS) * 24 * HOUR_MS,
      resumesAfter: resumeAfter.resumesAfter,
      verifySeconds: numberOr(vars.RESET_VERIFY_SECONDS, DEFAULT_RESET_VERIFY_SECONDS),
      clients,
      clientsById: new Map(clients.map((client) => [client.id, client])),
    },
  }
}

function numberOr(text: string | undefined, fallback: number): number {
  return text ? Number(text) : fallback
}

function trimDot(reason: string): string {
  return reason.startsWith('.') ? reason.slice(1) : reason
}

function parseClients(raw: string, reasons: string[]): ClientConfig[] | undefined {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    reasons.push('GATEWAY_CLIENTS is not valid JSON')
    return undefined
  }
  const parsed = ClientsSchema.safeParse(json)
  if (!parsed.success) {
    reasons.push(...describe('GATEWAY_CLIENTS', parsed.error.issues))
    return undefined
  }
  const clients: ClientConfig[] = []
  for (const [index, raw] of parsed.data.entries()) {
    const target = raw.target
      ? parseTarget(raw.target, `GATEWAY_CLIENTS[${index}].target`, reasons)
      : undefined
    const keys = webhookKeys(raw, `GATEWAY_CLIENTS[${index}].webhook_secrets`, reasons)
    const client = toClient(raw, target, keys)
    if (target && !isAllowed(client.allow, target.stream_name, target.app_name)) {
      reasons.push(`GATEWAY_CLIENTS[${index}].target is outside the client's own allow`)
    }
    clients.push(client)
  }
  reasons.push(...sharedCredentials(clients))
  return reasons.length > 0 ? undefined : clients
}

/**
 * A credential must identify exactly one client: with the same key hash or webhook secret on
 * two clients, one client's request would authenticate as (and be scoped as) the other.
 * Secrets are compared by their decoded key bytes, so `whsec_X` and `X` count as the same.
 */
function sharedCredentials(clients: readonly ClientConfig[]): string[] {
  const reasons: string[] = []
  const seen = new Map<string, number>()
  clients.forEach((client, index) => {
    const own = new Set([
      ...client.apiKeyHashes.map((bytes) => `key:${bytesToHex(bytes)}`),
      ...client.webhookKeys.map((bytes) => `secret:${bytesToHex(bytes)}`),
    ])
    for (const credential of own) {
      const first = seen.get(credential)
      if (first === undefined) seen.set(credential, index)
      else {
        const what = credential.startsWith('key:') ? 'api_key_sha256' : 'webhook_secrets'
        reasons.push(
          `GATEWAY_CLIENTS[${index}].${what} repeats a credential of GATEWAY_CLIENTS[${first}]`
        )
      }
    }
  })
  return reasons
}

function parseTarget(
  raw: NonNullable<RawClient['target']>,
  where: string,
  reasons: string[]
): ClientConfig['target'] {
  const partition = partitionSelector(raw.partition_id)
  if (!STREAM_NAME.test(raw.stream_name)) reasons.push(`${where}.stream_name has an invalid format`)
  if (!APP_NAME.test(raw.app_name)) reasons.push(`${where}.app_name has an invalid format`)
  if (!partition) reasons.push(`${where}.partition_id has an invalid format`)
  const move = parseHookMove({ to: withShiftText(raw.to), out_of_range: raw.out_of_range })
  if (!move.ok) reasons.push(...move.errors.map((e) => `${where}.${e.field}: ${e.message}`))
  if (!partition || !move.ok) return undefined
  return {
    stream_name: raw.stream_name,
    app_name: raw.app_name,
    partition_id: partition,
    ...(move.move ? { move: move.move } : {}),
  }
}

/**
 * The configuration is read with JSON.parse, which loses how `shift_by` was written; the move
 * model wants its text, so an integer gets its decimal form back (anything else stays a 400-style
 * reason).
 */
function withShiftText(to: unknown): unknown {
  if (typeof to !== 'object' || to === null || !('shift_by' in to)) return to
  const shift = (to as { shift_by: unknown }).shift_by
  return Number.isSafeInteger(shift) ? { ...to, shift_by: { source: String(shift) } } : to
}

function webhookKeys(raw: RawClient, where: string, reasons: string[]): Uint8Array[] {
  const scheme = raw.signature ?? 'standard-webhooks'
  const decode = scheme === 'github' ? githubKey : standardWebhooksKey
  return (raw.webhook_secrets ?? []).flatMap((secret, i) => {
    const key = decode(secret)
    if (!key) {
      reasons.push(
        scheme === 'github'
          ? `${where}[${i}] must be at least ${MIN_SECRET_BYTES} characters`
          : `${where}[${i}] must be whsec_ followed by base64 of at least ${MIN_SECRET_BYTES} bytes`
      )
      return []
    }
    return [key]
  })
}

function toClient(
  raw: RawClient,
  target: ClientConfig['target'],
  webhookKeys: Uint8Array[]
): ClientConfig {
  return {
    id: raw.id,
    // The schema admits only 64 lower-case hex digits here, so decoding cannot fail.
    apiKeyHashes: (raw.api_key_sha256 ?? []).map((hex) => decodeHex(hex) as Uint8Array),
    webhookKeys,
    signature: raw.signature ?? 'standard-webhooks',
    target,
    allow: raw.allow.map(compileAllowRule),
    allowPatterns: raw.allow,
  }
}

/** Minimum HMAC key size we accept from configuration (the spec asks for 24–64 random bytes). */
const MIN_SECRET_BYTES = 16

/**
 * Standard Webhooks secrets are `whsec_` + base64 of the key bytes (the prefix is optional, as in
 * the official libraries). The HMAC key is the *decoded* bytes — unlike Stripe, whose `whsec_`
 * secrets are used as UTF-8 text, a classic interop bug between the two.
 */
export function standardWebhooksKey(secret: string): Uint8Array | undefined {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret
  const key = decodeBase64(encoded)
  return key && key.length >= MIN_SECRET_BYTES ? key : undefined
}

/**
 * GitHub secrets are used as their UTF-8 bytes. At least 16 characters: a short text secret can
 * be brute-forced offline from one captured delivery (body + signature are all an attacker needs).
 */
export function githubKey(secret: string): Uint8Array | undefined {
  return secret.length >= MIN_SECRET_BYTES ? new TextEncoder().encode(secret) : undefined
}
