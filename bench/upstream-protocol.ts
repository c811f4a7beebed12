/**
 * What the main thread and the upstream thread share: counters out, and two live settings in
 * (per-call latency and the partition count), so one upstream serves every case and the main
 * thread changes them between cases without a restart.
 */
export const SLOT = {
  iam: 0,
  disDelete: 1,
  /** ShowCheckpoint GETs: the snapshot a full v2 reset takes before its DELETE. */
  snapshot: 2,
  describe: 3,
  other: 4,
  disInFlight: 5,
  disMaxInFlight: 6,
  /** Setting: ms added to every DIS call (not to IAM), to model a remote region. */
  latencyMs: 7,
  /** Setting: partitions DescribeStream reports, all ACTIVE. */
  partitions: 8,
  /** IAM calls since the upstream started: never reset, for whole-run totals. */
  iamTotal: 9,
  /** A time move's calls: GetCursor AT_TIMESTAMP, GetRecords, CommitCheckpoint. */
  cursor: 10,
  records: 11,
  commit: 12,
} as const

export const SLOTS = 13

/** Slots `reset()` clears: the counters, not the settings or the live in-flight gauge. */
export const COUNTER_SLOTS: readonly number[] = [
  SLOT.iam,
  SLOT.disDelete,
  SLOT.snapshot,
  SLOT.describe,
  SLOT.other,
  SLOT.disMaxInFlight,
  SLOT.cursor,
  SLOT.records,
  SLOT.commit,
]

/**
 * Moments (ms on the shared clock, performance.timeOrigin + performance.now(), 0 = not yet) of
 * the first IAM and DIS DELETE calls since the last reset: where a cold start's time goes.
 */
export const TIME = { iamArrived: 0, iamAnswered: 1, deleteArrived: 2, deleteAnswered: 3 } as const
export const TIMES = 4

export interface UpstreamSettings {
  shared: SharedArrayBuffer
  /** Float64 slots, TIME. */
  times: SharedArrayBuffer
  projectId: string
  /** What IAM issues as X-Subject-Token. */
  token: string
}
