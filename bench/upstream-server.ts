/**
 * The bench upstream: IAM's token call and the DIS calls the gateway makes — DeleteCheckpoint,
 * ShowCheckpoint (the v2 snapshot), DescribeStream (with ranges, paged by start_partitionId and
 * limit_partitions), and a time move's GetCursor, GetRecords and CommitCheckpoint — answered at once or after a fixed
 * latency, on 127.0.0.1. Runs in its own worker thread so the load generator on the main thread
 * never delays its answers. Counts and settings live in a SharedArrayBuffer that the main thread
 * reads and writes without a round trip. Plain node:http and no state beyond counters: the
 * project's emulator is a faithful model, not a fast one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'
import { SLOT, TIME, type UpstreamSettings } from './upstream-protocol.ts'

const settings = workerData as UpstreamSettings
const slots = new Int32Array(settings.shared)
const times = new Float64Array(settings.times)
/** The realistic-size token of config.ts (IAM_TOKEN): every side sends it back to DIS. */
const TOKEN = settings.token
const clock = () => performance.timeOrigin + performance.now()
/** Records the first occurrence since the last reset (this thread is the only writer). */
function mark(slot: number) {
  if (times[slot] === 0) times[slot] = clock()
}
const CHECKPOINTS = `/v2/${settings.projectId}/checkpoints`
const DESCRIBE = new RegExp(`^/v2/${settings.projectId}/streams/([A-Za-z0-9_-]+)$`)
/** A committed checkpoint, so a snapshot has something to record. */
const SNAPSHOT_BODY = '{"sequence_number":"10","metadata":""}'
const CURSORS = `/v2/${settings.projectId}/cursors`
const RECORDS = `/v2/${settings.projectId}/records`
/** Every partition holds [0 : 1000]; a time move finds record 500 (never the snapshot's 10). */
const RANGE = '[0 : 1000]'
const CURSOR_BODY = '{"partition_cursor":"bench-cursor"}'

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

function describeStream(res: ServerResponse, stream: string, query: URLSearchParams) {
  const count = Atomics.load(slots, SLOT.partitions)
  const start = query.get('start_partitionId')
  const first = start ? Number(start.replace(/^shardId-0*(?=\d)/, '')) + 1 : 0
  const limit = Number(query.get('limit_partitions') ?? count)
  const last = Math.min(count, first + limit)
  const partitions = Array.from({ length: Math.max(0, last - first) }, (_, i) => ({
    partition_id: `shardId-${String(first + i).padStart(10, '0')}`,
    status: 'ACTIVE',
    sequence_number_range: RANGE,
  }))
  const body = JSON.stringify({
    stream_name: stream,
    partitions,
    has_more_partitions: last < count,
  })
  send(res, 200, { 'content-type': 'application/json' }, body)
}

/** One record just under an hour old: only its sequence number and timestamp are read. */
function recordsBody(): string {
  return JSON.stringify({
    records: [{ sequence_number: '500', timestamp: Date.now() - 3_590_000, data: 'YmVuY2g=' }],
    next_partition_cursor: 'bench-cursor-2',
  })
}

/** Tracks concurrent DIS calls: the gateway's fan-out width is read from here, not assumed. */
async function disCall(counter: number, answer: () => void) {
  Atomics.add(slots, counter, 1)
  const inFlight = Atomics.add(slots, SLOT.disInFlight, 1) + 1
  let max = Atomics.load(slots, SLOT.disMaxInFlight)
  while (inFlight > max) {
    const seen = Atomics.compareExchange(slots, SLOT.disMaxInFlight, max, inFlight)
    if (seen === max) break
    max = seen
  }
  try {
    const latencyMs = Atomics.load(slots, SLOT.latencyMs)
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs))
    answer()
  } finally {
    Atomics.sub(slots, SLOT.disInFlight, 1)
  }
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  // Drain the body (the IAM call has one) so keep-alive connections stay usable.
  for await (const _ of req) {
  }
  const { pathname, searchParams } = new URL(req.url ?? '/', 'http://upstream')
  if (req.method === 'POST' && pathname === '/v3/auth/tokens') {
    Atomics.add(slots, SLOT.iam, 1)
    Atomics.add(slots, SLOT.iamTotal, 1)
    mark(TIME.iamArrived)
    issueToken(res)
    mark(TIME.iamAnswered)
    return
  }
  if (pathname === CHECKPOINTS && req.method === 'DELETE') {
    mark(TIME.deleteArrived)
    return disCall(SLOT.disDelete, () => {
      send(res, 204, {})
      mark(TIME.deleteAnswered)
    })
  }
  if (pathname === CHECKPOINTS && req.method === 'GET') {
    return disCall(SLOT.snapshot, () =>
      send(res, 200, { 'content-type': 'application/json' }, SNAPSHOT_BODY)
    )
  }
  const describe = req.method === 'GET' ? DESCRIBE.exec(pathname) : null
  if (describe?.[1]) {
    const stream = describe[1]
    return disCall(SLOT.describe, () => describeStream(res, stream, searchParams))
  }
  if (pathname === CHECKPOINTS && req.method === 'POST') {
    return disCall(SLOT.commit, () => send(res, 201, {}))
  }
  if (pathname === CURSORS && req.method === 'GET') {
    return disCall(SLOT.cursor, () =>
      send(res, 200, { 'content-type': 'application/json' }, CURSOR_BODY)
    )
  }
  if (pathname === RECORDS && req.method === 'GET') {
    return disCall(SLOT.records, () =>
      send(res, 200, { 'content-type': 'application/json' }, recordsBody())
    )
  }
  Atomics.add(slots, SLOT.other, 1)
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
