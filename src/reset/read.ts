import type { ClientConfig } from '../config/types'
import type { RequestLog } from '../logging/request-log'
import type { UpstreamContext } from '../upstream/context'
import { targetPartitions } from './partitions'
import { authorize, recordUpstream } from './scope'
import { takeSnapshot } from './snapshot'

export interface ReadInput {
  client: ClientConfig
  target: { stream_name: string; app_name: string; partition: string }
  upstream: UpstreamContext
  requestId: string
  log: RequestLog
  /** Charges the resolved partitions to the client's rate limit (429 before any is read). */
  admit?: (partitions: number) => Promise<void>
}

/**
 * `GET /v1/checkpoints` (README "Reading checkpoints"): the current position of each target
 * partition, read with ShowCheckpoint — the same scope, validation, token, retry and error
 * rules as a reset, and nothing is changed. One upstream call per partition.
 */
export async function readCheckpoints(input: ReadInput) {
  const { client, target, upstream: ctx, log } = input
  log.stream = target.stream_name
  log.app = target.app_name
  authorize(client, target)
  try {
    const partitions = await targetPartitions(ctx, target, 1)
    log.partitions = partitions
    await input.admit?.(partitions.length)
    const snapshot = await takeSnapshot(ctx, target, partitions)
    return {
      stream_name: target.stream_name,
      app_name: target.app_name,
      checkpoint_type: 'LAST_READ' as const,
      partitions: snapshot.map((s) => ({
        partition_id: s.partition_id,
        sequence_number: s.sequence_number,
      })),
      request_id: input.requestId,
    }
  } finally {
    recordUpstream(log, ctx)
  }
}
