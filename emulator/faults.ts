// Switchable faults: a fault-injecting upstream that each test scripts for itself (statuses,
// delays, hangs, resets, redirects, garbage), in the spirit of Envoy's fault filter.
// Rules are checked in order; the first matching rule with uses left decides the request.
import {
  apigwErrorBody,
  defaultCodeForStatus,
  defaultStatusForCode,
  disErrorBody,
  iamErrorBody,
  iamMessageFor,
} from './errors.ts'
import { type Exchange, type Reply, send, sleep } from './http-util.ts'
import { partitionNumberForMatch } from './partition-id.ts'
import type { CallRoute, EmulatorSettings, FaultRule } from './types.ts'

export interface ActiveRule {
  rule: FaultRule
  matched: number
  applied: number
}

export interface FaultTarget {
  route: CallRoute
  stream_name?: string
  partition_id?: string
}

export type FaultDecision = { kind: 'none' } | { kind: 'skip' } | { kind: 'apply'; rule: FaultRule }

export function pickFault(rules: ActiveRule[], target: FaultTarget): FaultDecision {
  const partition = partitionNumberForMatch(target.partition_id)
  for (const active of rules) {
    const { rule } = active
    if (rule.route !== 'any' && rule.route !== target.route) continue
    if (rule.stream_name !== undefined && rule.stream_name !== target.stream_name) continue
    if (rule.partition_id !== undefined) {
      if (partition === null || partitionNumberForMatch(rule.partition_id) !== partition) continue
    }
    if (rule.times !== undefined && active.applied >= rule.times) continue // spent
    active.matched++
    // A skipped request is let through unaffected and is not offered to later rules.
    if (active.matched <= (rule.skip ?? 0)) return { kind: 'skip' }
    active.applied++
    return { kind: 'apply', rule }
  }
  return { kind: 'none' }
}

/** Deliberately broken JSON: valid prefix, cut mid-value. */
const GARBAGE = '{"errorCode":"DIS.50'

function faultBody(
  rule: FaultRule,
  route: CallRoute,
  status: number,
  ex: Exchange,
  shape: EmulatorSettings['error_shape']
): unknown {
  if (rule.body !== undefined) return rule.body
  const code = rule.error_code ?? (route === 'iam_token' ? null : defaultCodeForStatus(status))
  if (code?.startsWith('APIGW.')) return apigwErrorBody(code, ex.requestId)
  if (route === 'iam_token') {
    if (status < 400) return undefined
    return iamErrorBody(status, code ? (iamMessageFor(code) ?? code) : undefined)
  }
  return code ? disErrorBody(shape, code) : undefined
}

/**
 * Runs the rule's actions. Returns true when the fault answered (or deliberately did not answer);
 * false when the request should now get its normal answer (delay-only / header-only rules).
 */
export async function applyFault(
  ex: Exchange,
  rule: FaultRule,
  route: CallRoute,
  settings: EmulatorSettings,
  signal: AbortSignal
): Promise<boolean> {
  if (ex.call) ex.call.record.fault = true
  if (rule.delay_ms) await sleep(rule.delay_ms, signal)
  if (ex.res.destroyed || signal.aborted) return true
  if (rule.reset) {
    if (ex.call) ex.calls.finish(ex.call, null)
    ex.req.socket.destroy()
    return true
  }
  if (rule.hang) return true // the socket stays open until the client aborts or close()
  const headers: Record<string, string> = { ...rule.headers }
  if (rule.retry_after !== undefined) headers['Retry-After'] = rule.retry_after
  let reply: Reply | null = null
  if (rule.redirect_to !== undefined) {
    reply = { status: 307, body: rule.body, headers: { Location: rule.redirect_to, ...headers } }
  } else if (rule.garbage_body) {
    reply = {
      status: rule.status ?? 200,
      body: GARBAGE,
      headers: { 'Content-Type': 'application/json', ...headers },
    }
  } else if (
    rule.status !== undefined ||
    rule.error_code !== undefined ||
    rule.body !== undefined
  ) {
    const status =
      rule.status ?? (rule.error_code !== undefined ? defaultStatusForCode(rule.error_code) : 200)
    const body = faultBody(rule, route, status, ex, settings.error_shape)
    if (typeof body === 'string' && !hasHeader(headers, 'content-type')) {
      headers['Content-Type'] = 'text/plain; charset=utf-8'
    }
    reply = { status, body, headers }
  }
  if (reply) {
    send(ex, reply)
    return true
  }
  // Delay-only or header-only: the normal answer follows, carrying the extra headers.
  for (const [k, v] of Object.entries(headers)) ex.res.setHeader(k, v)
  return false
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name)
}

const ROUTES = new Set([
  'iam_token',
  'delete_checkpoint',
  'commit_checkpoint',
  'show_checkpoint',
  'describe_stream',
  'list_streams',
  'get_cursor',
  'get_records',
  'any',
])

const isNonNegInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
const isString = (v: unknown) => typeof v === 'string'
const isBool = (v: unknown) => typeof v === 'boolean'

const FIELD_CHECKS: Record<keyof FaultRule, (v: unknown) => boolean> = {
  route: (v) => ROUTES.has(v as string),
  partition_id: (v) => isString(v) && partitionNumberForMatch(v as string) !== null,
  stream_name: isString,
  times: isNonNegInt,
  skip: isNonNegInt,
  delay_ms: isNonNegInt,
  status: (v) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 999,
  error_code: isString,
  body: () => true,
  headers: (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isString),
  retry_after: isString,
  hang: isBool,
  reset: isBool,
  redirect_to: isString,
  garbage_body: isBool,
}

/** Returns the names of bad or unknown fields (empty when the rule is valid). */
export function validateFaultRule(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ['<rule must be a JSON object>']
  }
  const bad: string[] = []
  const obj = value as Record<string, unknown>
  if (!('route' in obj)) bad.push('route')
  for (const [key, v] of Object.entries(obj)) {
    const check = (FIELD_CHECKS as Record<string, ((v: unknown) => boolean) | undefined>)[key]
    if (!check?.(v)) bad.push(key)
  }
  return bad
}
