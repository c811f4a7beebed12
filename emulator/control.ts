// Control API under /__emulator: state (checkpoints, partition ranges), counters, faults,
// settings, tokens, spawn/shutdown.
// Control requests are never counted as upstream calls and never hit faults.
import { validateFaultRule } from './faults.ts'
import { parseJson, type Reply } from './http-util.ts'
import { type Instance, resetInstance } from './instance.ts'
import { appendRecords, clockReport, setClock, setProducer, trimRecords } from './record-edits.ts'
import { defaultSeed } from './seed.ts'
import { validateSettingsPatch } from './settings.ts'
import { listCheckpoints, validateSeed } from './state.ts'
import type { CheckpointInput, FaultRule, Seed } from './types.ts'
import { type Edit, setCheckpoints, setPartitionRange } from './world-edits.ts'

export interface ControlResult {
  reply: Reply
  /** Runs once the reply has been written (shutdown answers first, then closes). */
  after?: () => void
}

const OK: Reply = { status: 200, body: { ok: true } }
const ok = (): ControlResult => ({ reply: OK })
const bad = (error: string, invalid?: string[]): ControlResult => ({
  reply: { status: 400, body: invalid ? { error, invalid } : { error } },
})

function jsonBody(text: string): { value: unknown } | null {
  if (text.trim() === '') return { value: undefined }
  const parsed = parseJson(text)
  return parsed.ok ? { value: parsed.value } : null
}

function ruleErrors(rules: unknown[]): string[] {
  return rules.flatMap((r, i) => validateFaultRule(r).map((f) => `rules[${i}].${f}`))
}

const activate = (rule: FaultRule) => ({ rule, matched: 0, applied: 0 })

type Handler = (inst: Instance, body: unknown) => ControlResult | Promise<ControlResult>

/** A records edit answers `{partitions:[{partition_id, sequence_number_range}]}` or a 400. */
function rangeEdit(
  edit: (world: Instance['world'], body: unknown) => Edit<unknown>,
  error: string
): Handler {
  return (inst, body) => {
    const result = edit(inst.world, body)
    if (!result.ok) return bad(error, result.errors)
    return { reply: { status: 200, body: { partitions: result.value } } }
  }
}

const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  '/reset': {
    POST: (inst) => {
      resetInstance(inst)
      return ok()
    },
  },
  '/calls': { GET: (inst) => ({ reply: { status: 200, body: inst.calls.report() } }) },
  '/calls/reset': {
    POST: (inst) => {
      inst.calls.reset()
      return ok()
    },
  },
  '/faults': {
    GET: (inst) => ({ reply: { status: 200, body: { rules: inst.faults } } }),
    PUT: (inst, body) => {
      const rules = (body as { rules?: unknown } | undefined)?.rules
      if (!Array.isArray(rules)) return bad('body must be {"rules": FaultRule[]}', ['rules'])
      const errors = ruleErrors(rules)
      if (errors.length > 0) return bad('invalid fault rule', errors)
      inst.faults = (rules as FaultRule[]).map(activate)
      return ok()
    },
    POST: (inst, body) => {
      const errors = validateFaultRule(body)
      if (errors.length > 0) return bad('invalid fault rule', errors)
      inst.faults.push(activate(body as FaultRule))
      return ok()
    },
    DELETE: (inst) => {
      inst.faults = []
      return ok()
    },
  },
  '/settings': {
    GET: (inst) => ({ reply: { status: 200, body: inst.settings } }),
    POST: (inst, body) => {
      const { ok: patch, invalid } = validateSettingsPatch(body ?? {})
      if (invalid.length > 0) return bad('unknown setting or bad value', invalid)
      Object.assign(inst.settings, patch)
      return { reply: { status: 200, body: inst.settings } }
    },
  },
  '/tokens': { GET: (inst) => ({ reply: { status: 200, body: { tokens: inst.tokens.all() } } }) },
  '/tokens/revoke': {
    POST: (inst) => {
      inst.tokens.revokeAll()
      return ok()
    },
  },
  '/checkpoints': {
    GET: (inst) => ({ reply: { status: 200, body: listCheckpoints(inst.world) } }),
    POST: (inst, body) => {
      const edit = setCheckpoints(inst.world, body)
      if (!edit.ok) return bad('invalid checkpoints', edit.errors)
      // someone else's commit, as far as a live consumer can tell
      for (const c of (body as { checkpoints: CheckpointInput[] }).checkpoints) {
        inst.consumers.changed(c.stream_name, c.app_name)
      }
      return { reply: { status: 200, body: { ok: true, set: edit.value } } }
    },
  },
  '/partitions/range': { POST: rangeEdit(setPartitionRange, 'invalid range update') },
  '/records': { POST: rangeEdit(appendRecords, 'invalid append') },
  '/records/producer': { POST: rangeEdit(setProducer, 'invalid producer') },
  '/records/trim': { POST: rangeEdit(trimRecords, 'invalid trim') },
  '/clock': {
    GET: (inst) => ({ reply: { status: 200, body: clockReport(inst.world) } }),
    POST: (inst, body) => {
      const edit = setClock(inst.world, body)
      if (!edit.ok) return bad('invalid clock', edit.errors)
      return { reply: { status: 200, body: edit.value } }
    },
  },
  '/consumers': {
    GET: (inst) => ({ reply: { status: 200, body: { consumers: inst.consumers.list() } } }),
    POST: (inst, body) => {
      const edit = inst.consumers.configure(body)
      if (!edit.ok) return bad('invalid consumer', edit.errors)
      return { reply: { status: 200, body: edit.value } }
    },
  },
  '/consumers/consume': {
    POST: (inst, body) => {
      const edit = inst.consumers.consume(body)
      if (!edit.ok) return bad('invalid consume', edit.errors)
      return { reply: { status: 200, body: edit.value } }
    },
  },
  '/spawn': {
    POST: async (inst, body) => {
      const seed = (body as { seed?: unknown } | undefined)?.seed
      if (seed !== undefined) {
        const errors = validateSeed(seed)
        if (errors.length > 0) return bad('invalid seed', errors)
      }
      const url = await inst.spawn((seed as Seed | undefined) ?? defaultSeed())
      return { reply: { status: 200, body: { url } } }
    },
  },
  '/shutdown': {
    POST: (inst) => {
      const { shutdown } = inst
      if (!shutdown) return bad('only spawned instances can be shut down')
      return {
        reply: { status: 200, body: { ok: true }, headers: { Connection: 'close' } },
        after: shutdown,
      }
    },
  },
}

export async function handleControl(
  inst: Instance,
  method: string,
  sub: string,
  bodyText: string
): Promise<ControlResult> {
  const route = ROUTES[sub]
  if (!route) return { reply: { status: 404, body: { error: `unknown control route ${sub}` } } }
  const handler = route[method]
  if (!handler) {
    const allow = Object.keys(route).join(', ')
    return {
      reply: { status: 405, body: { error: 'method not allowed' }, headers: { Allow: allow } },
    }
  }
  const body = jsonBody(bodyText)
  if (!body) return bad('body is not valid JSON')
  return handler(inst, body.value)
}
