/**
 * The physical floor: a plain fetch handler that makes the same DIS DELETE as the gateway (fixed
 * token, no auth, no validation, no logging) and answers 200 with a small JSON body. Whatever
 * this costs is the runtime's and the network's, not the gateway's.
 */
const TOKEN = `MIIbench${'A'.repeat(56)}`

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === '/healthz') return Response.json({ status: 'ok' })
    const q = url.searchParams
    const upstream = new URL(`/v2/${env.DIS_PROJECT_ID}/checkpoints`, env.DIS_ENDPOINT)
    upstream.search = new URLSearchParams({
      stream_name: q.get('stream_name') ?? '',
      app_name: q.get('app_name') ?? '',
      checkpoint_type: 'LAST_READ',
      partition_id: q.get('partition_id') ?? '',
    }).toString()
    const response = await fetch(upstream, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
    })
    return Response.json({ ok: response.ok }, { status: response.ok ? 200 : 502 })
  },
}
