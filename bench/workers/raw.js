/**
 * The physical floor: a plain fetch handler that makes the same DIS DELETE as the gateway (no
 * auth, no validation, no logging) and answers 200 with a small JSON body. Like the bare Hono
 * worker it logs in to IAM once per isolate and sends the same 4 KiB token. Whatever this costs
 * is the runtime's and the network's, not the gateway's.
 */
let headers

async function login(env) {
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

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === '/healthz') return Response.json({ status: 'ok' })
    headers ??= login(env).catch((error) => {
      headers = undefined
      throw error
    })
    const q = url.searchParams
    const upstream = new URL(`/v2/${env.DIS_PROJECT_ID}/checkpoints`, env.DIS_ENDPOINT)
    upstream.search = new URLSearchParams({
      stream_name: q.get('stream_name') ?? '',
      app_name: q.get('app_name') ?? '',
      checkpoint_type: 'LAST_READ',
      partition_id: q.get('partition_id') ?? '',
    }).toString()
    const response = await fetch(upstream, { method: 'DELETE', headers: await headers })
    return Response.json({ ok: response.ok }, { status: response.ok ? 200 : 502 })
  },
}
