/** What the main thread and the upstream thread share: settings in, counters out. */
export const COUNTER = {
  iam: 0,
  disDelete: 1,
  describe: 2,
  other: 3,
  disInFlight: 4,
  disMaxInFlight: 5,
} as const

export const COUNTER_SLOTS = 6

export interface UpstreamSettings {
  counters: SharedArrayBuffer
  projectId: string
  /** Added to every DIS call (not to IAM), to model a remote region. */
  latencyMs: number
  /** Partitions DescribeStream reports, all ACTIVE. */
  partitions: number
}
