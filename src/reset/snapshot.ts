import { mapWithLimit } from '../lib/concurrency'
import { ALL_PARTITIONS, type CheckpointTarget } from '../model/checkpoint-target'
import { AppError } from '../problems'
import type { UpstreamContext } from '../upstream/context'
import { type CheckpointState, listReadablePartitions, showCheckpoint } from '../upstream/dis'
import { mostSerious } from './scope'

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

/**
 * Calls in flight at once for `partition_id=all`. Workers allows 6 simultaneous outbound
 * connections per invocation (more queue); 5 leaves one for a token refresh.
 */
export const FAN_OUT = 5
/**
 * Subrequests kept back from the plan's limit for everything that is not a first attempt of a
 * per-partition call: up to 2 IAM calls and DescribeStream pages (retries use what is left).
 */
const SUBREQUEST_RESERVE = 5

/** The most partitions one call may touch when each costs `callsPerPartition` subrequests. */
function maxPartitionsPerCall(subrequestLimit: number, callsPerPartition: number): number {
  return Math.floor((subrequestLimit - SUBREQUEST_RESERVE) / callsPerPartition)
}

/**
 * The canonical partitions a request targets: the one it names, or every readable partition
 * (DescribeStream) for `all` — refused with a clear 400 before any per-partition call when they
 * would not fit in the plan's subrequest limit (docs/api.md "partition_id=all").
 */
export async function targetPartitions(
  ctx: UpstreamContext,
  target: CheckpointTarget,
  callsPerPartition: number
): Promise<string[]> {
  if (target.partition_id !== ALL_PARTITIONS) return [target.partition_id]
  const partitions = await listReadablePartitions(ctx, target.stream_name)
  assertFits(ctx, target.stream_name, partitions.length, callsPerPartition)
  return partitions
}

/**
 * `partition_id=all` over `count` partitions must fit the plan's subrequest limit when each costs
 * `callsPerPartition`: otherwise a clear 400 before any per-partition call (docs/api.md
 * "partition_id=all").
 */
export function assertFits(
  ctx: UpstreamContext,
  streamName: string,
  count: number,
  callsPerPartition: number
): void {
  const max = maxPartitionsPerCall(ctx.subrequests.limit, callsPerPartition)
  if (count > max) {
    throw new AppError('invalid_request', {
      detail: `Stream ${streamName} has ${count} readable partitions; one call covers at most ${max} on this deployment (Workers subrequest limit ${ctx.subrequests.limit}, ${callsPerPartition} upstream calls per partition). Use single partition_ids, or raise WORKERS_SUBREQUEST_LIMIT on a Paid plan.`,
      errors: [{ field: 'partition_id', message: `all covers more than ${max} partitions here` }],
      extensions: { partition_count: count, max_partitions_per_call: max },
    })
  }
}
