import { boundedCall } from '../lib/concurrency'
import { objectId } from '../lib/durable-objects'
import type { ReplayGuard as ReplayGuardObject, Reservation } from './replay-guard-object'

/**
 * The webhook replay guard as the rest of the gateway sees it (docs/shared-state.md): one
 * atomic reservation per `(client, delivery)`, remembered for the retention period once done.
 * Backed by a Durable Object per client; another runtime could provide the same interface.
 */
export interface ReplayGuardClient {
  reserve(key: string, leaseMs: number): Promise<Reservation>
  complete(key: string, receipt: string): Promise<void>
  release(key: string): Promise<void>
}

export interface ReplayGuardOptions {
  namespace: DurableObjectNamespace<ReplayGuardObject>
  clientId: string
  now: () => number
  retentionMs: number
  /** How long this request may wait for the object. */
  timeoutMs: () => number
}

/** One object per client: deliveries of different clients never contend (sharded, not global). */
export function durableReplayGuard(options: ReplayGuardOptions): ReplayGuardClient {
  const { namespace, clientId, now, retentionMs, timeoutMs } = options
  const stub = () => namespace.get(objectId(namespace, `client:${clientId}`))
  return {
    reserve: (key, leaseMs) =>
      boundedCall(
        'replay guard reserve',
        timeoutMs(),
        async (): Promise<Reservation> => await stub().reserve(key, now(), leaseMs)
      ),
    complete: (key, receipt) =>
      boundedCall('replay guard complete', timeoutMs(), () =>
        stub().complete(key, receipt, now(), retentionMs)
      ),
    release: (key) => boundedCall('replay guard release', timeoutMs(), () => stub().release(key)),
  }
}
