import type { Verification } from '../ledger/entry'
import type { LedgerStore } from '../ledger/store'
import { mapWithLimit } from '../lib/concurrency'
import { writeResetOverwritten } from '../log'
import { AppError } from '../problems'
import type { UpstreamContext } from '../upstream/context'
import { showCheckpoint } from '../upstream/dis'
import { FAN_OUT } from './snapshot'

/** What a reset left on one partition: `null` after a delete, the committed number after a move. */
export interface LeftBehind {
  partition_id: string
  sequence_number: string | null
}

export interface VerifyInput {
  /** The reset's own upstream view: the re-reads count against the same subrequest budget. */
  upstream: UpstreamContext
  ledger: LedgerStore
  reset_id: string
  request_id: string
  target: { stream_name: string; app_name: string }
  /** The partitions the reset changed, with what it left on each. */
  left: readonly LeftBehind[]
  /** RESET_VERIFY_SECONDS (> 0). */
  seconds: number
}

/**
 * Upper bound for the re-reads themselves. The runtime keeps `waitUntil` work alive for 30 s after
 * the answer, and RESET_VERIFY_SECONDS is at most 25: the reads must finish inside what is left.
 */
const VERIFY_READ_MS = 4_000

/**
 * "Did it hold?" (docs/api.md "Safety net"): a running consumer keeps its position in memory and
 * overwrites a reset at its next commit, and no DIS API tells whether one runs. So, `seconds`
 * after the reset's answer, each partition the reset changed is read again (ShowCheckpoint) and
 * the entry records `verification`: `overwritten` when any partition no longer holds what the
 * reset left, `held` when all do, `unknown` when a read failed and none showed an overwrite. An
 * overwrite also writes a `reset_overwritten` line at `warn`. Meant to run after the answer, in
 * the background (`waitUntil`); it never throws for an upstream failure (that is `unknown`).
 * Returns what it recorded.
 */
export async function verifyReset(input: VerifyInput): Promise<Verification> {
  const { upstream: ctx, left } = input
  await ctx.deps.sleep(input.seconds * 1000)
  // Same token cache, counters and subrequest budget as the reset (the prototype's), with a
  // deadline of its own: the reset's deadline has passed by now.
  const late: UpstreamContext = Object.create(ctx)
  late.deadline = ctx.deps.now() + Math.min(ctx.deps.policy.deadlineMs, VERIFY_READ_MS)
  const reads = await mapWithLimit(left, FAN_OUT, async ({ partition_id }) => {
    try {
      const state = await showCheckpoint(late, { ...input.target, partition_id })
      return { partition_id, sequence_number: state.sequence_number }
    } catch (error) {
      if (error instanceof AppError) return null
      throw error
    }
  })
  const read = reads.filter((r) => r !== null)
  const expected = new Map(left.map((l) => [l.partition_id, l.sequence_number]))
  const overwritten = read.filter((r) => r.sequence_number !== expected.get(r.partition_id))
  const verification: Verification = {
    checked_at: new Date(ctx.deps.now()).toISOString(),
    status: overwritten.length > 0 ? 'overwritten' : read.length < left.length ? 'unknown' : 'held',
    partitions: read,
  }
  if (verification.status === 'overwritten') {
    writeResetOverwritten({
      request_id: input.request_id,
      reset_id: input.reset_id,
      stream: input.target.stream_name,
      app: input.target.app_name,
      partitions: overwritten.map((r) => r.partition_id),
    })
  }
  await input.ledger.verify(input.reset_id, verification)
  return verification
}
