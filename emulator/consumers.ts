// The live consumer: a stand-in for a running Huawei DIS Kafka adapter consumer of one
// (stream, app). It keeps its own position per partition in memory and, like the adapter's
// 5-second auto-commit, writes it back a few seconds after anyone else changes one of its
// checkpoints: the overwrite that silently undoes a reset made while a consumer runs
// (docs/emulator.md § Live consumer). It skips partitions whose stored value already equals its
// position. Its commits go through CommitCheckpoint's own checks and appear in the call log with
// `source: 'live_consumer'`.
import { commitCheckpoint } from './dis-checkpoints.ts'
import type { Instance } from './instance.ts'
import { canonicalPartitionId, parsePartitionId } from './partition-id.ts'
import { maxBig, minBig } from './records.ts'
import { checkpointKey, partitionRange, type Stream, toSequence } from './state.ts'
import type { LiveConsumerState } from './types.ts'
import { type Edit, isObject } from './world-edits.ts'

const DEFAULT_DELAY_MS = 5000

interface Consumer {
  stream: string
  app: string
  running: boolean
  delayMs: number
  /** partition number → the next record it would read (what it commits). */
  positions: Map<number, bigint>
  timer: ReturnType<typeof setTimeout> | null
  commits: number
}

const key = (stream: string, app: string) => `${stream}\u0000${app}`

export class LiveConsumers {
  #inst: Instance
  #consumers = new Map<string, Consumer>()

  constructor(inst: Instance) {
    this.#inst = inst
  }

  /** Someone else committed or deleted a checkpoint of (stream, app). */
  changed(stream: string, app: string): void {
    const c = this.#consumers.get(key(stream, app))
    if (c?.running) this.#schedule(c)
  }

  list(): LiveConsumerState[] {
    return [...this.#consumers.values()].map((c) => this.#view(c))
  }

  /** Clears every timer (reset, close). */
  stopAll(): void {
    for (const c of this.#consumers.values()) this.#clear(c)
    this.#consumers.clear()
  }

  /**
   * `{stream_name, app_name, running?, delay_ms?, positions?: {partition_id: seq}}`. Starting
   * reads its positions as a joining adapter does: the stored checkpoint, or B (LATEST) where
   * there is none; `positions` overrides them.
   */
  configure(body: unknown): Edit<LiveConsumerState> {
    const found = this.#resolve(body)
    if (!found.ok) return found
    const { stream, app, o } = found.value
    const errors: string[] = []
    if (o.running !== undefined && typeof o.running !== 'boolean')
      errors.push('running must be a boolean')
    const delay = o.delay_ms
    if (delay !== undefined && !(Number.isSafeInteger(delay) && (delay as number) >= 0)) {
      errors.push('delay_ms must be an integer ≥ 0')
    }
    const given = new Map<number, bigint>()
    if (o.positions !== undefined) {
      if (!isObject(o.positions)) errors.push('positions must be {partition_id: sequence_number}')
      else {
        for (const [id, v] of Object.entries(o.positions)) {
          const n = parsePartitionId(id, 'lenient')
          const seq = toSequence(v)
          if (n === null || !stream.partitions[n] || seq === null) errors.push(`positions.${id}`)
          else given.set(n, seq)
        }
      }
    }
    if (errors.length > 0) return { ok: false, errors }
    const k = key(stream.name, app)
    let c = this.#consumers.get(k)
    if (!c) {
      c = {
        stream: stream.name,
        app,
        running: false,
        delayMs: DEFAULT_DELAY_MS,
        positions: new Map(),
        timer: null,
        commits: 0,
      }
      this.#consumers.set(k, c)
    }
    if (delay !== undefined) c.delayMs = delay as number
    const starting = o.running === true && !c.running
    if (starting) this.#join(c, stream)
    for (const [n, seq] of given) c.positions.set(n, seq)
    if (o.running !== undefined) c.running = o.running as boolean
    if (!c.running) this.#clear(c)
    return { ok: true, value: this.#view(c) }
  }

  /**
   * `{stream_name, app_name, partition_id?, count?}`: the consumer reads `count` more records
   * (default: everything up to B) on one or every partition, and commits them after its delay.
   */
  consume(body: unknown): Edit<LiveConsumerState> {
    const found = this.#resolve(body)
    if (!found.ok) return found
    const { stream, app, o } = found.value
    const c = this.#consumers.get(key(stream.name, app))
    if (!c) return { ok: false, errors: ['no live consumer for this stream and app'] }
    const count = o.count === undefined ? null : toSequence(o.count)
    if (o.count !== undefined && count === null) return { ok: false, errors: ['count must be ≥ 0'] }
    let numbers = [...c.positions.keys()]
    if (o.partition_id !== undefined) {
      const n =
        typeof o.partition_id === 'string' ? parsePartitionId(o.partition_id, 'lenient') : null
      if (n === null || !c.positions.has(n)) return { ok: false, errors: ['partition_id'] }
      numbers = [n]
    }
    for (const n of numbers) {
      const p = stream.partitions[n]
      if (!p) continue
      const { earliest, next } = partitionRange(this.#inst.world, stream, p)
      const from = c.positions.get(n) ?? next
      const start = maxBig(from, earliest)
      const to = count === null ? next : start + count
      c.positions.set(n, minBig(to, next))
    }
    if (c.running) this.#schedule(c)
    return { ok: true, value: this.#view(c) }
  }

  #resolve(body: unknown): Edit<{ stream: Stream; app: string; o: Record<string, unknown> }> {
    if (!isObject(body)) return { ok: false, errors: ['body must be a JSON object'] }
    const stream =
      typeof body.stream_name === 'string'
        ? this.#inst.world.streams.get(body.stream_name)
        : undefined
    const errors: string[] = []
    if (!stream) errors.push('stream_name: no such stream')
    const app = body.app_name
    if (typeof app !== 'string' || !this.#inst.world.apps.has(app))
      errors.push('app_name: no such app')
    if (!stream || errors.length > 0) return { ok: false, errors }
    return { ok: true, value: { stream, app: app as string, o: body } }
  }

  /** What a (re)joining adapter reads: its checkpoint, or LATEST (B) where none is usable. */
  #join(c: Consumer, stream: Stream): void {
    c.positions.clear()
    for (const p of stream.partitions) {
      if (p.status === 'EXPIRED') continue
      const stored = this.#inst.world.checkpoints.get(checkpointKey(stream.name, c.app, p.number))
      const seq = stored ? toSequence(stored.sequence_number) : null
      c.positions.set(p.number, seq ?? partitionRange(this.#inst.world, stream, p).next)
    }
  }

  #schedule(c: Consumer): void {
    if (c.timer) return
    c.timer = setTimeout(() => {
      c.timer = null
      this.#commitAll(c)
    }, c.delayMs)
    c.timer.unref?.()
  }

  #clear(c: Consumer): void {
    if (c.timer) clearTimeout(c.timer)
    c.timer = null
  }

  #commitAll(c: Consumer): void {
    if (!c.running || this.#inst.closing.aborted) return
    const { world, calls } = this.#inst
    for (const [n, seq] of c.positions) {
      const stored = world.checkpoints.get(checkpointKey(c.stream, c.app, n))
      if (stored?.sequence_number === String(seq)) continue // unchanged: no commit
      const body = JSON.stringify({
        stream_name: c.stream,
        app_name: c.app,
        partition_id: canonicalPartitionId(n),
        sequence_number: String(seq),
        checkpoint_type: 'LAST_READ',
      })
      const reply = commitCheckpoint(this.#inst, {
        projectId: world.projectId,
        query: new URLSearchParams(),
        body,
        internal: true,
      })
      calls.recordInternal({
        route: 'commit_checkpoint',
        method: 'POST',
        path: `/v2/${world.projectId}/checkpoints`,
        query: {},
        headers: {},
        body,
        status: reply.status,
        source: 'live_consumer',
      })
      c.commits++
    }
  }

  #view(c: Consumer): LiveConsumerState {
    return {
      stream_name: c.stream,
      app_name: c.app,
      running: c.running,
      delay_ms: c.delayMs,
      positions: [...c.positions].map(([n, seq]) => ({
        partition_id: canonicalPartitionId(n),
        sequence_number: String(seq),
      })),
      commit_pending: c.timer !== null,
      commits: c.commits,
    }
  }
}
