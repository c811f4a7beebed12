/**
 * The bench upstream: IAM's token call and the DIS calls the gateway makes, answered at once (or
 * after a fixed latency), on 127.0.0.1. Runs in its own worker thread so the load generator on
 * the main thread never delays its answers. Counts land in a SharedArrayBuffer that the main
 * thread reads without a round trip. Plain node:http and no state beyond counters: the
 * project's emulator is a faithful model, not a fast one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'
import { COUNTER, type UpstreamSettings } from './upstream-protocol.ts'

const settings = workerData as UpstreamSettings
const counters = new Int32Array(settings.counters)
/** Same length and alphabet as the baselines' fixed token, so headers cost the same. */
const TOKEN = `MIIbench${'A'.repeat(56)}`
const DIS_DELETE = new RegExp(`^/v2/${settings.projectId}/checkpoints$`)
const DESCRIBE = new RegExp(`^/v2/${settings.projectId}/streams/([A-Za-z0-9_-]+)$`)

function send(res: ServerResponse, status: number, headers: Record<string, string>, body = '') {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}

function issueToken(res: ServerResponse) {
  const now = Date.now()
  const body = JSON.stringify({
    token: {
      expires_at: new Date(now + 24 * 3_600_000).toISOString(),
      issued_at: new Date(now).toISOString(),
    },
  })
  send(res, 201, { 'content-type': 'application/json', 'x-subject-token': TOKEN }, body)
}

function describeStream(res: ServerResponse, stream: string) {
  const partitions = Array.from({ length: settings.partitions }, (_, i) => ({
    partition_id: `shardId-${String(i).padStart(10, '0')}`,
    status: 'ACTIVE',
  }))
  const body = JSON.stringify({ stream_name: stream, partitions, has_more_partitions: false })
  send(res, 200, { 'content-type': 'application/json' }, body)
}

/** Tracks concurrent DIS calls: the gateway's fan-out width is read from here, not assumed. */
async function disCall(answer: () => void) {
  const inFlight = Atomics.add(counters, COUNTER.disInFlight, 1) + 1
  let max = Atomics.load(counters, COUNTER.disMaxInFlight)
  while (inFlight > max) {
    max = Atomics.compareExchange(counters, COUNTER.disMaxInFlight, max, inFlight)
  }
  try {
    if (settings.latencyMs > 0) await new Promise((r) => setTimeout(r, settings.latencyMs))
    answer()
  } finally {
    Atomics.sub(counters, COUNTER.disInFlight, 1)
  }
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  // Drain the body (the IAM call has one) so keep-alive connections stay usable.
  for await (const _ of req) {
  }
  const { pathname } = new URL(req.url ?? '/', 'http://upstream')
  if (req.method === 'POST' && pathname === '/v3/auth/tokens') {
    Atomics.add(counters, COUNTER.iam, 1)
    return issueToken(res)
  }
  if (req.method === 'DELETE' && DIS_DELETE.test(pathname)) {
    Atomics.add(counters, COUNTER.disDelete, 1)
    return disCall(() => send(res, 204, {}))
  }
  const describe = req.method === 'GET' ? DESCRIBE.exec(pathname) : null
  if (describe?.[1]) {
    Atomics.add(counters, COUNTER.describe, 1)
    const stream = describe[1]
    return disCall(() => describeStream(res, stream))
  }
  Atomics.add(counters, COUNTER.other, 1)
  send(res, 404, { 'content-type': 'application/json' }, '{"error_code":"BENCH.404"}')
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  handle(req, res).catch(() => res.destroy())
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  parentPort?.postMessage({ port })
})
parentPort?.on('message', (message) => {
  if (message === 'close') {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  }
})
