import { AppError } from '../errors/app-error'
import { type CheckpointState, showCheckpoint } from '../upstream/checkpoint-calls'
import type { UpstreamContext } from '../upstream/context'
import { mapWithLimit } from '../upstream/fan-out'
import { mostSerious } from './outcomes'
import { FAN_OUT } from './partitions'

export type Snapshot = ({ partition_id: string } & CheckpointState)[]

/**
 * Reads every target partition's checkpoint (ShowCheckpoint) with the same bounded fan-out as
 * the DELETEs. Any failure — after the usual retries — fails the whole snapshot: the caller
 * sends no DELETE, so nothing is wiped that could not be put back.
 */
export async function takeSnapshot(
  ctx: UpstreamContext,
  target: { stream_name: string; app_name: string },
  partitions: readonly string[]
): Promise<Snapshot> {
  const results = await mapWithLimit(partitions, FAN_OUT, async (partition_id) => {
    try {
      const state = await showCheckpoint(ctx, { ...target, partition_id })
      return { partition_id, ...state }
    } catch (error) {
      if (error instanceof AppError) return error
      throw error
    }
  })
  const failures = results.filter((r): r is AppError => r instanceof AppError)
  const cause = mostSerious(failures)
  if (cause) throw cause
  return results as Snapshot
}
