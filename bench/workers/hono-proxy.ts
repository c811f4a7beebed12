/**
 * The framework's floor: one Hono route making the same DIS DELETE as the gateway, with none of
 * the gateway's features (no auth, validation, token cache, retries, timeouts or logs). The
 * gateway's cost over this is the cost of its features.
 */
import { Hono } from 'hono'

type Bindings = { DIS_ENDPOINT: string; DIS_PROJECT_ID: string }

const TOKEN = `MIIbench${'A'.repeat(56)}`

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
  const response = await fetch(url, {
    method: 'DELETE',
    headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
  })
  return c.json({ ok: response.ok }, response.ok ? 200 : 502)
})

export default app
