// One request through the emulator: control API, or log → latency → faults → normal answer.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { checkDisToken } from './auth.ts'
import { handleControl } from './control.ts'
import { commitCheckpoint, deleteCheckpoint, showCheckpoint } from './dis-checkpoints.ts'
import type { DisRequest } from './dis-common.ts'
import { cursorTarget, getCursor, getRecords } from './dis-records.ts'
import { describeStream, listStreams } from './dis-streams.ts'
import { apigwErrorBody, disErrorBody } from './errors.ts'
import { applyFault, type FaultTarget, pickFault } from './faults.ts'
import {
  type Exchange,
  headerRecord,
  newRequestId,
  parseJson,
  queryRecord,
  type Reply,
  readBody,
  send,
  sleep,
} from './http-util.ts'
import { createToken } from './iam.ts'
import type { Instance } from './instance.ts'
import { classify, type Routed } from './router.ts'

const DIS_HANDLERS = {
  delete_checkpoint: deleteCheckpoint,
  commit_checkpoint: commitCheckpoint,
  show_checkpoint: showCheckpoint,
  describe_stream: describeStream,
  list_streams: listStreams,
  get_cursor: getCursor,
  get_records: getRecords,
}

/** Where a fault rule's stream_name / partition_id filters look, per route. */
function faultTarget(
  routed: Exclude<Routed, { kind: 'control' }>,
  query: URLSearchParams,
  body: string
): FaultTarget {
  if (routed.kind !== 'dis') return { route: routed.route }
  if (routed.route === 'describe_stream')
    return { route: routed.route, stream_name: routed.pathStream }
  if (routed.route === 'list_streams') return { route: routed.route }
  if (routed.route === 'get_cursor') {
    return {
      route: routed.route,
      stream_name: query.get('stream-name') ?? undefined,
      partition_id: query.get('partition-id') ?? undefined,
    }
  }
  if (routed.route === 'get_records') {
    const target = cursorTarget(query.get('partition-cursor'))
    return { route: routed.route, stream_name: target?.stream, partition_id: target?.partition }
  }
  if (routed.route === 'commit_checkpoint') {
    const parsed = parseJson(body)
    const o =
      parsed.ok && typeof parsed.value === 'object'
        ? (parsed.value as Record<string, unknown>)
        : null
    const text = (v: unknown) =>
      typeof v === 'string' || typeof v === 'number' ? String(v) : undefined
    return {
      route: routed.route,
      stream_name: text(o?.stream_name),
      partition_id: text(o?.partition_id),
    }
  }
  return {
    route: routed.route,
    stream_name: query.get('stream_name') ?? undefined,
    partition_id: query.get('partition_id') ?? undefined,
  }
}

function normalAnswer(inst: Instance, ex: Exchange, routed: Routed): Reply {
  if (routed.kind === 'iam') {
    return createToken(inst, {
      contentType: ex.req.headers['content-type'],
      nocatalog: ex.query.get('nocatalog'),
      body: ex.body,
    })
  }
  if (routed.kind === 'dis') {
    const authError = checkDisToken(
      inst,
      ex.req.headers['x-auth-token'] as string | undefined,
      routed.projectId,
      ex.requestId
    )
    if (authError) return authError
    const r: DisRequest = {
      projectId: routed.projectId,
      query: ex.query,
      body: ex.body,
      pathStream: routed.pathStream,
    }
    return DIS_HANDLERS[routed.route](inst, r)
  }
  return { status: 404, body: apigwErrorBody('APIGW.0101', ex.requestId) }
}

export async function handleRequest(inst: Instance, req: IncomingMessage, res: ServerResponse) {
  // Split by hand: `new URL('//x', base)` would read `x` as a host.
  const rawUrl = req.url ?? '/'
  const q = rawUrl.indexOf('?')
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q)
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1))
  const method = req.method ?? 'GET'
  const routed = classify(method, path)
  let body: string | null
  try {
    body = await readBody(req)
  } catch {
    return // the client went away mid-body
  }
  const ex: Exchange = {
    req,
    res,
    method,
    path,
    query,
    body: body ?? '',
    requestId: newRequestId(),
    call: null,
    calls: inst.calls,
  }

  if (routed.kind === 'control') {
    const result = await handleControl(inst, method, routed.sub, ex.body)
    if (result.after) res.once('finish', result.after)
    send(ex, result.reply)
    return
  }

  const call = inst.calls.start({
    route: routed.route,
    method,
    path,
    query: queryRecord(query),
    headers: headerRecord(req),
    // Never the IAM body: it carries the password.
    body: routed.kind === 'dis' ? body : null,
  })
  ex.call = call
  // Hang, client abort or close(): finished without a status.
  const gone = new AbortController()
  res.once('close', () => {
    inst.calls.finish(call, res.headersSent ? res.statusCode : null)
    gone.abort()
  })
  const signal = AbortSignal.any([inst.closing, gone.signal])

  if (body === null) {
    send(ex, { status: 413, body: apigwErrorBody('APIGW.0201', ex.requestId) })
    return
  }
  if (routed.kind === 'dis') await sleep(inst.settings.latency_ms, signal)
  if (signal.aborted) return

  const decision = pickFault(inst.faults, faultTarget(routed, query, ex.body))
  if (decision.kind === 'apply') {
    const handled = await applyFault(ex, decision.rule, routed.route, inst.settings, signal)
    if (handled || signal.aborted) return
  }
  send(ex, normalAnswer(inst, ex, routed))
}

/** Last resort: never leave a client waiting because of an emulator bug. */
export function internalError(inst: Instance, res: ServerResponse, err: unknown): void {
  console.error('[emulator] internal error:', err)
  if (res.headersSent || res.destroyed) return
  const body = JSON.stringify(disErrorBody(inst.settings.error_shape, 'DIS.5000'))
  res.writeHead(500, { 'Content-Type': 'application/json' })
  res.end(body)
}
