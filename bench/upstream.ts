/** Starts and stops the bench upstream thread and reads its call counters. */
import { Worker } from 'node:worker_threads'
import { PROJECT_ID } from './config.ts'
import { COUNTER, COUNTER_SLOTS, type UpstreamSettings } from './upstream-protocol.ts'

export interface UpstreamCounts {
  iam: number
  disDelete: number
  describe: number
  other: number
  disMaxInFlight: number
}

export interface Upstream {
  url: string
  counts(): UpstreamCounts
  reset(): void
  close(): Promise<void>
}

export async function startUpstream(options: { latencyMs?: number; partitions?: number } = {}) {
  const counters = new SharedArrayBuffer(COUNTER_SLOTS * Int32Array.BYTES_PER_ELEMENT)
  const view = new Int32Array(counters)
  const settings: UpstreamSettings = {
    counters,
    projectId: PROJECT_ID,
    latencyMs: options.latencyMs ?? 0,
    partitions: options.partitions ?? 1,
  }
  const worker = new Worker(new URL('./upstream-server.ts', import.meta.url), {
    workerData: settings,
  })
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port: number }) => resolve(message.port))
    worker.once('error', reject)
  })
  const upstream: Upstream = {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({
      iam: Atomics.load(view, COUNTER.iam),
      disDelete: Atomics.load(view, COUNTER.disDelete),
      describe: Atomics.load(view, COUNTER.describe),
      other: Atomics.load(view, COUNTER.other),
      disMaxInFlight: Atomics.load(view, COUNTER.disMaxInFlight),
    }),
    reset: () => {
      for (let i = 0; i < COUNTER_SLOTS; i++) {
        if (i !== COUNTER.disInFlight) Atomics.store(view, i, 0)
      }
    },
    close: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve))
      worker.postMessage('close')
      await exited
    },
  }
  return upstream
}
