// Public types of the emulator. No `node:` imports here: workerd test code imports this module.

/** The upstream operations the emulator knows (used in fault rules and call counters). */
export type RouteName =
  | 'iam_token'
  | 'delete_checkpoint'
  | 'commit_checkpoint'
  | 'show_checkpoint'
  | 'describe_stream'
  | 'list_streams'
  | 'get_cursor'
  | 'get_records'

/** A received request is one of the known routes, or `other` (answered 404 APIGW.0101). */
export type CallRoute = RouteName | 'other'

export type PartitionStatus = 'CREATING' | 'ACTIVE' | 'DELETED' | 'EXPIRED'

export interface FaultRule {
  route: RouteName | 'any'
  /** Only requests whose partition_id refers to this partition NUMBER ('2' ≡ 'shardId-0000000002'). */
  partition_id?: string
  stream_name?: string
  /** Apply to N matching requests, then the rule is spent (default: unlimited). */
  times?: number
  /** Let the first N matching requests through unaffected first. */
  skip?: number
  delay_ms?: number
  status?: number
  error_code?: string
  body?: unknown
  headers?: Record<string, string>
  retry_after?: string
  hang?: boolean
  reset?: boolean
  redirect_to?: string
  garbage_body?: boolean
}

/**
 * What ShowCheckpoint answers when nothing is committed (undocumented upstream; docs/upstream.md
 * § ShowCheckpoint): 200 `{}` ('missing'), 200 `{"sequence_number":"","metadata":""}` ('empty'),
 * 200 `{"sequence_number":"-1","metadata":""}` ('negative', the default) or 400 DIS.4375 ('error').
 */
export type ShowMissingCheckpoint = 'missing' | 'empty' | 'negative' | 'error'

export interface EmulatorSettings {
  error_shape: 'sdk' | 'doc'
  token_error_style: 'apigw' | 'dis441'
  token_ttl_seconds: number
  checkpoint_type_required: boolean
  partition_id_forms: 'documented' | 'lenient'
  delete_without_partition: 'all' | 'reject'
  delete_missing_checkpoint: 'ok' | 'error'
  show_missing_checkpoint: ShowMissingCheckpoint
  max_page_size: number | null
  latency_ms: number
  /**
   * Which sequence numbers CommitCheckpoint accepts: 'at' [A, B] (default), 'after' [A−1, B−1],
   * 'off' any. Outside → DIS.4224 with the bounds.
   */
  commit_range: 'at' | 'after' | 'off'
  /** How long a partition cursor stays valid (GetCursor: 5 minutes). */
  cursor_ttl_seconds: number
  /** The next N GetRecords answer no records (with a valid next cursor); counts down. */
  empty_record_batches: number
}

export interface CallRecord {
  route: CallRoute
  method: string
  path: string
  query: Record<string, string[]>
  /** All received headers, lower-cased names (repeated headers joined with ', '). */
  headers: Record<string, string>
  /**
   * The request body as received, on DIS routes only (a commit's partition and sequence number);
   * null on `iam_token` (it carries the password) and `other`.
   */
  body: string | null
  /** null when no response was sent (hang, reset, client gone first). */
  status: number | null
  fault: boolean
  started_at: number
  ended_at: number | null
  /**
   * Present only on calls the emulator made itself: the live consumer's commits. They are in
   * `requests` (in order) but not in `counts` or `in_flight`.
   */
  source?: 'live_consumer'
}

export interface CallsReport {
  counts: Record<CallRoute, number>
  requests: CallRecord[]
  in_flight: number
  peak_in_flight: number
}

export interface CheckpointRecord {
  stream_name: string
  app_name: string
  /** Canonical form `shardId-%010d` (seeds may use any documented form). */
  partition_id: string
  sequence_number: string
  metadata: string
}

/** A checkpoint set through the control API; `metadata` defaults to ''. */
export interface CheckpointInput {
  stream_name: string
  app_name: string
  /** Any form the lenient parser accepts ('7', 'shardId-0000000007', 'shardId-7'). */
  partition_id: string
  /** Stored as given, never range-checked: a test may set up a value that has aged out. */
  sequence_number: string
  metadata?: string
}

/** Moves the valid sequence numbers of one partition, or of every partition of the stream. */
export interface PartitionRangeUpdate {
  stream_name: string
  /** Omitted: every partition of the stream. */
  partition_id?: string
  /** [A, B] as DescribeStream reports it; int64 (decimal strings above 2^53), 0 ≤ A ≤ B. */
  sequence_number_range: [SequenceInput, SequenceInput]
}

/** One partition after a range update, as DescribeStream will report it. */
export interface PartitionRangeRecord {
  partition_id: string
  /** DescribeStream's format: `[A : B]`; null for an EXPIRED partition. */
  sequence_number_range: string | null
}

/** A sequence number: int64, so a decimal string where it may exceed 2^53 (a safe integer also works). */
export type SequenceInput = number | string

export interface SeedPartition {
  status: PartitionStatus
  /**
   * `[A, B]` as DescribeStream reports it: records A … B−1 are retained, B is the next to be
   * written (default [0, 100]). Decimal strings for numbers above 2^53.
   */
  sequence_number_range?: [SequenceInput, SequenceInput]
  /** Spacing of the seeded records' write times (default 1000 ms). */
  record_interval_ms?: number
  /** How long before the world was built the newest seeded record was written (default 0). */
  newest_record_age_ms?: number
  /** Keep writing one record every this many ms (a live producer); default: none. */
  producer_interval_ms?: number
  /** Default: the 0..2^63-1 key space split evenly. */
  hash_range?: string
}

export interface SeedStream {
  name: string
  /** A number is shorthand for that many ACTIVE partitions. */
  partitions: number | SeedPartition[]
  stream_id?: string
  status?: 'CREATING' | 'RUNNING' | 'TERMINATING' | 'FROZEN'
  stream_type?: 'COMMON' | 'ADVANCED'
  data_type?: 'BLOB' | 'JSON' | 'CSV'
  retention_period?: number
  create_time?: number
  last_modified_time?: number
}

export interface SeedUser {
  id: string
  name: string
  password: string
}

export interface Seed {
  domain: { id: string; name: string }
  /** The first project owns the streams; other projects exist (tokens can be scoped to them) but are empty. */
  projects: Array<{ id: string; name: string }>
  users: SeedUser[]
  streams: SeedStream[]
  /** Consumer apps; project-level, usable with every stream. */
  apps: string[]
  checkpoints: CheckpointRecord[]
}

/** Appends records to one partition, or to every partition of the stream. */
export type RecordsAppend = {
  stream_name: string
  partition_id?: string
} & (
  | {
      /** One record per write time (ms), ascending, none before the newest record nor after now. */
      timestamps: number[]
    }
  | {
      /** How many records (a decimal string above 2^53). */
      count: SequenceInput
      /** Spacing of their write times (default 0: all at `last_at`). */
      interval_ms?: number
      /** Write time of the newest (default: now). */
      last_at?: number
    }
)

/** Starts (interval_ms) or stops (null) a producer writing one record every interval_ms. */
export interface ProducerUpdate {
  stream_name: string
  partition_id?: string
  interval_ms: number | null
}

/** Ages records below `earliest` out now (A moves up to it, never past B). */
export interface RecordsTrim {
  stream_name: string
  partition_id?: string
  earliest: SequenceInput
}

/** The emulated clock: `now` = real time + `offset_ms`. */
export interface ClockReport {
  now: number
  offset_ms: number
}

/** A live consumer of one (stream, app), as the control API reports it. */
export interface LiveConsumerState {
  stream_name: string
  app_name: string
  running: boolean
  /** How long after an external change it re-commits its positions (default 5000). */
  delay_ms: number
  /** Its in-memory positions: the next record it would read, which is what it commits. */
  positions: Array<{ partition_id: string; sequence_number: string }>
  /** A re-commit is scheduled. */
  commit_pending: boolean
  /** Commits it has made so far. */
  commits: number
}

/** Starts, stops or tunes a live consumer (created on first use). */
export interface LiveConsumerUpdate {
  stream_name: string
  app_name: string
  running?: boolean
  delay_ms?: number
  /** partition id (any form) → sequence number; overrides what it read when it started. */
  positions?: Record<string, SequenceInput>
}

/** The consumer reads `count` more records (default: up to B) and commits after its delay. */
export interface ConsumeRequest {
  stream_name: string
  app_name: string
  partition_id?: string
  count?: SequenceInput
}
