/**
 * The framework's floor: one Hono route making the same DIS calls as the gateway, with none of
 * the gateway's features (no auth, validation, token cache, retries, timeouts, ledger or logs).
 * - BASELINE_SNAPSHOT=off: the single DELETE of the pure proxy (`RESET_LEDGER=off`);
 * - BASELINE_SNAPSHOT=on: the same ShowCheckpoint GET (body parsed, the previous sequence number
 *   answered) and then the DELETE, like a full v2 reset minus its Durable Object calls.
 * The gateway's cost over this is the cost of its features.
 */
import { DurableObject } from 'cloudflare:workers'
import { Hono } from 'hono'

type Bindings = { DIS_ENDPOINT: string; DIS_PROJECT_ID: string; BASELINE_SNAPSHOT: string }

const TOKEN = `MIIbench${'A'.repeat(56)}`
const HEADERS = { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' }

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
 * Empty stand-ins for the gateway's Durable Object classes (names as in wrangler.toml). Only the
 * cold-start case binds them, so that both workers start with the same workerd configuration
 * (three SQLite-backed namespaces and a rate limiter) and differ only by their bundle.
 */
export class ReplayGuard extends DurableObject {}
export class TokenBroker extends DurableObject {}
export class ResetLedger extends DurableObject {}
