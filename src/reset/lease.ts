import { AppError } from '../errors/app-error'

/**
 * How long a partition lease (README "Shared state") outlives the deadline of the request
 * holding it: the ledger write that releases it may land just after the deadline; past this,
 * the lease lapses on its own, and an entry still `in_progress` is known to be stuck.
 */
export const LEASE_MARGIN_MS = 2_000

/** Another reset or undo of one of these partitions is running: nothing was sent. */
export function partitionBusy(target: { stream_name: string; app_name: string }): AppError {
  return new AppError('partition_busy', {
    detail: `Another reset or undo of ${target.stream_name}/${target.app_name} on one of these partitions is running; nothing was sent. Retry shortly.`,
    headers: { 'Retry-After': '1' },
  })
}
