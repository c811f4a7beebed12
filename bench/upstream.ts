/** Starts and stops the bench upstream thread, reads its counters and changes its settings. */
import { Worker } from 'node:worker_threads'
import { IAM_TOKEN, PROJECT_ID } from './config.ts'
import { COUNTER_SLOTS, SLOT, SLOTS, TIMES, type UpstreamSettings } from './upstream-protocol.ts'

export interface UpstreamCounts {
  iam: number
  disDelete: number
  snapshot: number
  describe: number
  cursor: number
  records: number
  commit: number
  other: number
  disMaxInFlight: number
}

export interface Upstream {
  url: string
  counts(): UpstreamCounts
  /** IAM calls since the upstream started (never reset). */
  iamTotal(): number
  /** First IAM / DELETE moments since the last reset (shared clock, ms; 0 = none). */
  times(): {
    iamArrived: number
    iamAnswered: number
    deleteArrived: number
    deleteAnswered: number
  }
  /** Zeroes the counters and the first-call moments (not the settings). */
  reset(): void
  /** Latency added to every DIS call from now on. */
  setLatency(ms: number): void
  /** Partitions DescribeStream reports from now on. */
  setPartitions(count: number): void
  close(): Promise<void>
}

export async function startUpstream(): Promise<Upstream> {
  const shared = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT)
  const view = new Int32Array(shared)
  Atomics.store(view, SLOT.partitions, 1)
  const timesBuffer = new SharedArrayBuffer(TIMES * Float64Array.BYTES_PER_ELEMENT)
  const times = new Float64Array(timesBuffer)
  const settings: UpstreamSettings = {
    shared,
    times: timesBuffer,
    projectId: PROJECT_ID,
    token: IAM_TOKEN,
  }
  const worker = new Worker(new URL('./upstream-server.ts', import.meta.url), {
    workerData: settings,
  })
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port: number }) => resolve(message.port))
    worker.once('error', reject)
  })
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({
      iam: Atomics.load(view, SLOT.iam),
      disDelete: Atomics.load(view, SLOT.disDelete),
      snapshot: Atomics.load(view, SLOT.snapshot),
      cursor: Atomics.load(view, SLOT.cursor),
      records: Atomics.load(view, SLOT.records),
      commit: Atomics.load(view, SLOT.commit),
      describe: Atomics.load(view, SLOT.describe),
      other: Atomics.load(view, SLOT.other),
      disMaxInFlight: Atomics.load(view, SLOT.disMaxInFlight),
    }),
    iamTotal: () => Atomics.load(view, SLOT.iamTotal),
    times: () => ({
      iamArrived: times[0] ?? 0,
      iamAnswered: times[1] ?? 0,
      deleteArrived: times[2] ?? 0,
      deleteAnswered: times[3] ?? 0,
    }),
    reset: () => {
      for (const slot of COUNTER_SLOTS) Atomics.store(view, slot, 0)
      times.fill(0)
    },
    setLatency: (ms) => Atomics.store(view, SLOT.latencyMs, ms),
    setPartitions: (count) => Atomics.store(view, SLOT.partitions, count),
    close: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve))
      worker.postMessage('close')
      await exited
    },
  }
}
