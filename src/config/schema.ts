import * as z from 'zod/mini'
import { ALLOW_PATTERN } from '../model/client'

/**
 * Shapes of the configuration (README "Configuration"). Messages never echo the offending value:
 * the reason for a 500 `misconfigured` goes to the log, and a value may be a secret.
 */

/** Region ids become part of a hostname, so only this shape is accepted (SSRF: OWASP API7). */
const REGION_PATTERN = /^[a-z]{2}-[a-z]+-[0-9]{1,3}$/
const PROJECT_ID_PATTERN = /^[0-9a-f]{32}$/
const CLIENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/
const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/
/** A printable single-line value (no control characters), as IAM names are. */
const PRINTABLE_PATTERN = /^[^\p{Cc}]{1,255}$/u

const required = (what: string, pattern?: RegExp) =>
  z
    .string({ error: `${what} is required` })
    .check(
      z.minLength(1, { error: `${what} is required` }),
      ...(pattern ? [z.regex(pattern, { error: `${what} has an invalid format` })] : [])
    )

/**
 * An optional whole number written as plain decimal digits (no sign, no leading zero, no
 * exponent: `00`, `1e3` or `+60` are refused, not guessed at; `0` alone is a number) within
 * [min, max]. Empty = unset.
 */
const decimal = (what: string, min: number, max: number) =>
  z.optional(
    z
      .string()
      .check(
        z.refine(
          (text) =>
            text === '' ||
            (/^(0|[1-9][0-9]{0,8})$/.test(text) && Number(text) >= min && Number(text) <= max),
          { error: `${what} must be a whole number from ${min} to ${max}, in plain decimal digits` }
        )
      )
  )

export const EnvSchema = z.object({
  DIS_REGION: required('DIS_REGION', REGION_PATTERN),
  DIS_PROJECT_ID: required('DIS_PROJECT_ID', PROJECT_ID_PATTERN),
  IAM_DOMAIN_NAME: required('IAM_DOMAIN_NAME', PRINTABLE_PATTERN),
  IAM_USER_NAME: required('IAM_USER_NAME', PRINTABLE_PATTERN),
  IAM_PASSWORD: required('IAM_PASSWORD'),
  GATEWAY_CLIENTS: required('GATEWAY_CLIENTS'),
  DIS_ENDPOINT: z.optional(z.string()),
  IAM_ENDPOINT: z.optional(z.string()),
  WORKERS_SUBREQUEST_LIMIT: decimal('WORKERS_SUBREQUEST_LIMIT', 10, 1_000_000),
  REPLAY_RETENTION_HOURS: decimal('REPLAY_RETENTION_HOURS', 1, 720),
  RESET_LEDGER: z.optional(z.enum(['on', 'off', ''], { error: 'RESET_LEDGER must be on or off' })),
  LEDGER_RETENTION_DAYS: decimal('LEDGER_RETENTION_DAYS', 1, 365),
  /** The `allow` grammar, comma-separated; read by model/positions.ts `parseResumeAfter`. */
  RESUME_AFTER: z.optional(z.string()),
  RESET_VERIFY_SECONDS: decimal('RESET_VERIFY_SECONDS', 0, 25),
})

const TargetSchema = z.strictObject({
  stream_name: z.string(),
  app_name: z.string(),
  partition_id: z.union([z.string(), z.number()]),
  // A move every delivery performs (checked by the move model in parse.ts).
  to: z.optional(z.unknown()),
  out_of_range: z.optional(z.unknown()),
})

export const ClientSchema = z
  .strictObject({
    id: z
      .string()
      .check(z.regex(CLIENT_ID_PATTERN, { error: 'id must match ^[a-z0-9][a-z0-9_-]{0,62}$' })),
    api_key_sha256: z.optional(
      z.array(
        z.string().check(z.regex(SHA256_HEX_PATTERN, { error: 'must be 64 lowercase hex digits' }))
      )
    ),
    webhook_secrets: z.optional(
      z.array(z.string().check(z.minLength(1, { error: 'must not be empty' })))
    ),
    signature: z.optional(z.enum(['standard-webhooks', 'github'])),
    target: z.optional(TargetSchema),
    allow: z.array(
      z.string().check(
        z.regex(ALLOW_PATTERN, {
          error: 'must be stream/app, each * or a name with an optional trailing *',
        })
      )
    ),
  })
  .check(
    z.refine((c) => (c.api_key_sha256?.length ?? 0) + (c.webhook_secrets?.length ?? 0) > 0, {
      error: 'needs at least one of api_key_sha256 and webhook_secrets',
    })
  )

export const ClientsSchema = z.array(ClientSchema).check(
  z.refine((list) => new Set(list.map((c) => c.id)).size === list.length, {
    error: 'client ids must be unique',
  })
)

export type RawClient = z.infer<typeof ClientSchema>

/**
 * Regional endpoint defaults and the rule every endpoint override must pass.
 * docs/upstream.md "Endpoints": DIS and IAM live at `{service}.{region}.myhuaweicloud.com`; the one
 * exception is IAM in the sovereign EU region `eu-west-101` (`.myhuaweicloud.eu`).
 */

/** Hosts that may use plain `http://` (local development and tests only). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The DIS endpoint of a region when DIS_ENDPOINT is not set. */
export function defaultDisEndpoint(region: string): string {
  return `https://dis.${region}.myhuaweicloud.com`
}

/** The IAM endpoint of a region when IAM_ENDPOINT is not set (`eu-west-101` is `.eu`). */
export function defaultIamEndpoint(region: string): string {
  const domain = region === 'eu-west-101' ? 'myhuaweicloud.eu' : 'myhuaweicloud.com'
  return `https://iam.${region}.${domain}`
}

/**
 * Parses an endpoint override into its origin, or explains why it is refused.
 * Only an origin is accepted (no path, query, fragment or credentials) so that the upstream
 * path is always the gateway's own; `https` is required except for loopback hosts, so a token
 * can never travel in clear text over a network (OWASP API7/API8).
 */
export function parseEndpoint(raw: string): { origin: string } | { error: string } {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { error: 'is not an absolute URL' }
  }
  if (url.username || url.password) return { error: 'must not contain credentials' }
  if (url.search || url.hash) return { error: 'must not contain a query or fragment' }
  if (url.pathname !== '/' && url.pathname !== '')
    return { error: 'must be an origin without a path' }
  if (url.protocol === 'https:') return { origin: url.origin }
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return { origin: url.origin }
  return { error: 'must use https:// (http:// is allowed only for loopback hosts)' }
}
