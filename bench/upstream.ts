/** Starts and stops the bench upstream thread, reads its counters and changes its settings. */
import { Worker } from 'node:worker_threads'
import { PROJECT_ID } from './config.ts'
import { COUNTER_SLOTS, SLOT, SLOTS, type UpstreamSettings } from './upstream-protocol.ts'

export interface UpstreamCounts {
  iam: number
  disDelete: number
  snapshot: number
  describe: number
  other: number
  disMaxInFlight: number
}

export interface Upstream {
  url: string
  counts(): UpstreamCounts
  /** IAM calls since the upstream started (never reset). */
  iamTotal(): number
  /** Zeroes the counters (not the settings). */
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
  const settings: UpstreamSettings = { shared, projectId: PROJECT_ID }
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
      describe: Atomics.load(view, SLOT.describe),
      other: Atomics.load(view, SLOT.other),
      disMaxInFlight: Atomics.load(view, SLOT.disMaxInFlight),
    }),
    iamTotal: () => Atomics.load(view, SLOT.iamTotal),
    reset: () => {
      for (const slot of COUNTER_SLOTS) Atomics.store(view, slot, 0)
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
