/**
 * The framework's floor: one Hono route making the same DIS calls as the gateway, with none of
 * the gateway's features (no auth, validation, retries, timeouts, ledger or logs). It logs in to
 * IAM itself on its first reset (the same password body as the gateway) and keeps the token
 * (4 KiB, bench/config.ts IAM_TOKEN) in module memory, so a cold start does the same upstream
 * work on both sides and every DIS call carries the same header.
 * - BASELINE_SNAPSHOT=off: the single DELETE of the pure proxy (`RESET_LEDGER=off`);
 * - BASELINE_SNAPSHOT=on: the same ShowCheckpoint GET (body parsed, the previous sequence number
 *   answered) and then the DELETE, like a full v2 reset minus its Durable Object calls.
 * - `POST /v1/resets` (a time move of one partition, "rewind 1 hour"): the same six DIS calls the
 *   gateway makes, one after the other — DescribeStream (the partition's range), ShowCheckpoint,
 *   GetCursor AT_TIMESTAMP, GetRecords (limit 1), CommitCheckpoint, ShowCheckpoint (read back).
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

app.post('/v1/resets', async (c) => {
  const body = (await c.req.json()) as {
    stream_name: string
    app_name: string
    partition_id: string
  }
  const partition = `shardId-${body.partition_id.padStart(10, '0')}`
  const HEADERS = await authHeaders(c.env)
  const dis = (path: string, query: Record<string, string>) => {
    const url = new URL(`/v2/${c.env.DIS_PROJECT_ID}/${path}`, c.env.DIS_ENDPOINT)
    url.search = new URLSearchParams(query).toString()
    return url
  }
  const checkpoint = dis('checkpoints', {
    stream_name: body.stream_name,
    app_name: body.app_name,
    checkpoint_type: 'LAST_READ',
    partition_id: partition,
  })
  const get = async (url: URL) => {
    const response = await fetch(url, { headers: HEADERS })
    if (!response.ok) throw new Error(`DIS answered ${response.status}`)
    return (await response.json()) as Record<string, unknown>
  }
  const previousId = `shardId-${String(Number(body.partition_id) - 1).padStart(10, '0')}`
  const described = await get(
    dis(`streams/${body.stream_name}`, { limit_partitions: '1', start_partitionId: previousId })
  )
  const previous = await get(checkpoint)
  const cursor = await get(
    dis('cursors', {
      'stream-name': body.stream_name,
      'partition-id': partition,
      'cursor-type': 'AT_TIMESTAMP',
      timestamp: String(Date.now() - 3_600_000),
    })
  )
  const records = await get(
    dis('records', { 'partition-cursor': String(cursor.partition_cursor), limit: '1' })
  )
  const first = (records.records as { sequence_number: string }[])[0]
  const committed = await fetch(dis('checkpoints', {}), {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      stream_name: body.stream_name,
      app_name: body.app_name,
      partition_id: partition,
      sequence_number: first?.sequence_number,
      metadata: (previous.metadata as string) ?? '',
      checkpoint_type: 'LAST_READ',
    }),
  })
  await committed.arrayBuffer()
  const readBack = await get(checkpoint)
  return c.json(
    {
      partitions: [
        {
          partition_id: partition,
          range: (described.partitions as { sequence_number_range: string }[])[0]
            ?.sequence_number_range,
          previous: previous.sequence_number ?? null,
          committed: first?.sequence_number,
          read_back: readBack.sequence_number,
        },
      ],
    },
    committed.ok ? 200 : 502
  )
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
