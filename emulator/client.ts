// Typed client of the control API. Only `fetch`: usable from Node and from inside workerd.
import type {
  CallRoute,
  CallsReport,
  CheckpointInput,
  CheckpointRecord,
  ClockReport,
  ConsumeRequest,
  EmulatorSettings,
  FaultRule,
  LiveConsumerState,
  LiveConsumerUpdate,
  PartitionRangeRecord,
  PartitionRangeUpdate,
  ProducerUpdate,
  RecordsAppend,
  RecordsTrim,
  Seed,
} from './types.ts'

export type {
  CallRecord,
  CallRoute,
  CallsReport,
  CheckpointInput,
  CheckpointRecord,
  ClockReport,
  ConsumeRequest,
  EmulatorSettings,
  FaultRule,
  LiveConsumerState,
  LiveConsumerUpdate,
  PartitionRangeRecord,
  PartitionRangeUpdate,
  ProducerUpdate,
  RecordsAppend,
  RecordsTrim,
  Seed,
  SequenceInput,
  ShowMissingCheckpoint,
} from './types.ts'

export interface EmulatorClient {
  url: string
  reset(): Promise<void>
  calls(): Promise<CallsReport>
  /** The route of every upstream request since the last reset, in arrival order. */
  routes(): Promise<CallRoute[]>
  resetCalls(): Promise<void>
  setFaults(rules: FaultRule[]): Promise<void>
  addFault(rule: FaultRule): Promise<void>
  clearFaults(): Promise<void>
  /** Merges `patch` (pass `{}` to read) and returns the full settings. */
  settings(patch: Partial<EmulatorSettings>): Promise<EmulatorSettings>
  revokeTokens(): Promise<void>
  tokens(): Promise<string[]>
  /** The whole checkpoint table, sorted by stream, app, canonical partition id. */
  checkpoints(): Promise<CheckpointRecord[]>
  /** Creates or overwrites checkpoints (all or none); no range check. */
  setCheckpoints(checkpoints: CheckpointInput[]): Promise<void>
  /** Moves a partition's (or, without partition_id, every partition's) sequence_number_range. */
  setPartitionRange(update: PartitionRangeUpdate): Promise<PartitionRangeRecord[]>
  /** Appends records (chosen write times, or a count spaced evenly); answers the new ranges. */
  appendRecords(append: RecordsAppend): Promise<PartitionRangeRecord[]>
  /** Starts (interval_ms) or stops (null) a producer writing records as time passes. */
  setProducer(update: ProducerUpdate): Promise<PartitionRangeRecord[]>
  /** Ages out every record below `earliest` (moves A). */
  trimRecords(trim: RecordsTrim): Promise<PartitionRangeRecord[]>
  /** The emulated clock. */
  clock(): Promise<ClockReport>
  /** Sets the clock's offset from real time (ms). */
  setClockOffset(offset_ms: number): Promise<ClockReport>
  /** Moves the clock forward: records age out, cursors expire, producers write. */
  advanceClock(ms: number): Promise<ClockReport>
  /** Every live consumer. */
  consumers(): Promise<LiveConsumerState[]>
  /** Starts (`running: true`), stops, or tunes the live consumer of a (stream, app). */
  setConsumer(update: LiveConsumerUpdate): Promise<LiveConsumerState>
  /** The live consumer reads further and commits its new positions after its delay. */
  consume(request: ConsumeRequest): Promise<LiveConsumerState>
  /** Starts an independent instance; returns a client for it. */
  spawn(seed?: Seed): Promise<EmulatorClient>
  /** Closes a spawned instance. */
  shutdown(): Promise<void>
}

export function emulatorClient(url: string): EmulatorClient {
  const base = url.replace(/\/+$/, '')
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`emulator ${method} ${path} → ${res.status}: ${text}`)
    return (text === '' ? undefined : JSON.parse(text)) as T
  }
  const done = async (p: Promise<unknown>) => {
    await p
  }
  return {
    url: base,
    reset: () => done(call('POST', '/reset')),
    calls: () => call<CallsReport>('GET', '/calls'),
    routes: async () => (await call<CallsReport>('GET', '/calls')).requests.map((r) => r.route),
    resetCalls: () => done(call('POST', '/calls/reset')),
    setFaults: (rules) => done(call('PUT', '/faults', { rules })),
    addFault: (rule) => done(call('POST', '/faults', rule)),
    clearFaults: () => done(call('DELETE', '/faults')),
    settings: (patch) => call<EmulatorSettings>('POST', '/settings', patch),
    revokeTokens: () => done(call('POST', '/tokens/revoke')),
    tokens: async () => (await call<{ tokens: string[] }>('GET', '/tokens')).tokens,
    checkpoints: () => call<CheckpointRecord[]>('GET', '/checkpoints'),
    setCheckpoints: (checkpoints) => done(call('POST', '/checkpoints', { checkpoints })),
    setPartitionRange: async (update) =>
      (await call<{ partitions: PartitionRangeRecord[] }>('POST', '/partitions/range', update))
        .partitions,
    appendRecords: async (append) =>
      (await call<{ partitions: PartitionRangeRecord[] }>('POST', '/records', append)).partitions,
    setProducer: async (update) =>
      (await call<{ partitions: PartitionRangeRecord[] }>('POST', '/records/producer', update))
        .partitions,
    trimRecords: async (trim) =>
      (await call<{ partitions: PartitionRangeRecord[] }>('POST', '/records/trim', trim))
        .partitions,
    clock: () => call<ClockReport>('GET', '/clock'),
    setClockOffset: (offset_ms) => call<ClockReport>('POST', '/clock', { offset_ms }),
    advanceClock: (ms) => call<ClockReport>('POST', '/clock', { advance_ms: ms }),
    consumers: async () =>
      (await call<{ consumers: LiveConsumerState[] }>('GET', '/consumers')).consumers,
    setConsumer: (update) => call<LiveConsumerState>('POST', '/consumers', update),
    consume: (request) => call<LiveConsumerState>('POST', '/consumers/consume', request),
    spawn: async (seed) => {
      const { url: child } = await call<{ url: string }>('POST', '/spawn', seed ? { seed } : {})
      return emulatorClient(child)
    },
    shutdown: () => done(call('POST', '/shutdown')),
  }
}
