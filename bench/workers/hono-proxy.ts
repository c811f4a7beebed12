/**
 * The framework's floor: one Hono route making the same DIS calls as the gateway, with none of
 * the gateway's features (no auth, validation, retries, timeouts, ledger or logs). It logs in to
 * IAM itself on its first reset (the same password body as the gateway) and keeps the token
 * (4 KiB, bench/config.ts IAM_TOKEN) in module memory, so a cold start does the same upstream
 * work on both sides and every DIS call carries the same header.
 * - BASELINE_SNAPSHOT=off: the single DELETE of the pure proxy (`RESET_LEDGER=off`);
 * - BASELINE_SNAPSHOT=on: the same ShowCheckpoint GET (body parsed, the previous sequence number
 *   answered) and then the DELETE, like a full v2 reset minus its Durable Object calls.
 * The gateway's cost over this is the cost of its features.
 */
import { DurableObject } from 'cloudflare:workers'
import { Hono } from 'hono'

type Bindings = {
  DIS_ENDPOINT: string
  DIS_PROJECT_ID: string
  BASELINE_SNAPSHOT: string
  IAM_ENDPOINT: string
  IAM_DOMAIN_NAME: string
  IAM_USER_NAME: string
  IAM_PASSWORD: string
}

let headers: Promise<Record<string, string>> | undefined

async function login(env: Bindings): Promise<Record<string, string>> {
  const response = await fetch(new URL('/v3/auth/tokens?nocatalog=true', env.IAM_ENDPOINT), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json;charset=utf8' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: env.IAM_USER_NAME,
              password: env.IAM_PASSWORD,
              domain: { name: env.IAM_DOMAIN_NAME },
            },
          },
        },
        scope: { project: { id: env.DIS_PROJECT_ID } },
      },
    }),
  })
  await response.arrayBuffer()
  const token = response.headers.get('x-subject-token')
  if (response.status !== 201 || !token) throw new Error(`IAM answered ${response.status}`)
  return { 'X-Auth-Token': token, 'Content-Type': 'application/json' }
}

/** One login per isolate; a failed one is forgotten so the next request tries again. */
function authHeaders(env: Bindings): Promise<Record<string, string>> {
  headers ??= login(env).catch((error) => {
    headers = undefined
    throw error
  })
  return headers
}

const app = new Hono<{ Bindings: Bindings }>()

app.get('/healthz', (c) => c.json({ status: 'ok' }))

app.delete('/v1/checkpoints', async (c) => {
  const url = new URL(`/v2/${c.env.DIS_PROJECT_ID}/checkpoints`, c.env.DIS_ENDPOINT)
  url.search = new URLSearchParams({
    stream_name: c.req.query('stream_name') ?? '',
    app_name: c.req.query('app_name') ?? '',
    checkpoint_type: 'LAST_READ',
    partition_id: c.req.query('partition_id') ?? '',
  }).toString()
  const HEADERS = await authHeaders(c.env)
  let previous: string | null = null
  if (c.env.BASELINE_SNAPSHOT === 'on') {
    const snapshot = await fetch(url, { method: 'GET', headers: HEADERS })
    if (!snapshot.ok) return c.json({ ok: false }, 502)
    const body = (await snapshot.json()) as { sequence_number?: string }
    previous = body.sequence_number ?? null
  }
  const response = await fetch(url, { method: 'DELETE', headers: HEADERS })
  return c.json({ ok: response.ok, previous }, response.ok ? 200 : 502)
})

export default app

/**
 * Empty stand-ins for the gateway's Durable Object classes (names as in wrangler.jsonc). Only the
 * cold-start case binds them, so that both workers start with the same workerd configuration
 * (three SQLite-backed namespaces and a rate limiter) and differ only by their bundle.
 */
export class ReplayGuard extends DurableObject {}
export class TokenBroker extends DurableObject {}
export class ResetLedger extends DurableObject {}
