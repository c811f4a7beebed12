import * as z from 'zod/mini'
import { RESET_ID } from '../../src/ledger/entry.ts'
import { MOVE_TARGET_TYPES } from '../../src/model/move-target.ts'
import { PROBLEMS, type ProblemCode } from '../../src/problems.ts'

/**
 * Shapes of what the gateway answers. Unlike the requests, these are not validated at run time
 * (the code builds them), so they live here; the tests check real answers against them and
 * that the types the code builds (`ResetReceipt`, `LedgerEntry`, `UndoRecord`, the read
 * answer) fit these schemas.
 */

const HTTP_STATUS = z.int().check(z.minimum(100), z.maximum(599))
const CANONICAL_PARTITION = z.string().check(z.regex(/^shardId-[0-9]{10}$/))
const about = (description: string) => z.describe(description)
export const ProblemCodeSchema = z
  .enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]])
  .check(
    about("Stable; what clients switch on. The operations' responses say when each is answered.")
  )
const REQUEST_ID = z.string().check(about('Same as the X-Request-Id response header.'))
const RESET_ID_SCHEMA = z.string().check(z.regex(RESET_ID))
/** `Date#toISOString()`; `format` only: zod's own datetime regex is ~400 characters. */
const TIMESTAMP = z.string().check(z.meta({ format: 'date-time' }))

/** A partition's committed position; `null` when nothing is committed (DIS's -1, empty, none). */
export const PositionSchema = z.object({
  partition_id: CANONICAL_PARTITION,
  sequence_number: z.nullable(
    z.string().check(about('Decimal digits, as a string; null when no checkpoint is committed.'))
  ),
})

export const ReceiptSchema = z.object({
  stream_name: z.string(),
  app_name: z.string(),
  checkpoint_type: z.literal('LAST_READ'),
  partitions: z
    .array(CANONICAL_PARTITION)
    .check(about('Canonical ids of the partitions reset (for all: every readable one).')),
  reset_id: z.optional(
    RESET_ID_SCHEMA.check(
      about(
        'The reset ledger entry (GET /v1/resets/{reset_id}); absent for dry runs and with the ledger off.'
      )
    )
  ),
  previous: z.optional(
    z
      .array(PositionSchema)
      .check(
        about(
          'What the reset wiped (for a dry run: would wipe), in partition order; absent with the ledger off.'
        )
      )
  ),
  request_id: REQUEST_ID,
  dry_run: z.optional(
    z.literal(true).check(about('Present only for a dry run: nothing was deleted.'))
  ),
})

/** int64 as a decimal string (a RESUME_AFTER app's position may be 2^63, hence 20 digits). */
const INT64_TEXT = (description: string) =>
  z.string().check(z.regex(/^[0-9]{1,20}$/), about(description))

/** One partition of `GET /v1/checkpoints`: the checkpoint, read as a position in its range. */
const ReadPositionSchema = z.object({
  partition_id: CANONICAL_PARTITION,
  sequence_number: z.nullable(
    z.string().check(about('Decimal digits, as a string; null when no checkpoint is committed.'))
  ),
  status: z
    .string()
    .check(about('The partition status from DescribeStream: ACTIVE, or DELETED (still readable).')),
  range: z.nullable(
    z
      .object({
        earliest: INT64_TEXT('The oldest retained record.'),
        next: INT64_TEXT('The number the next written record will get.'),
      })
      .check(about("DescribeStream's sequence_number_range [earliest : next]; null if none."))
  ),
  position: z.nullable(
    INT64_TEXT(
      'The sequence number the consumer reads next: the checkpoint, or checkpoint + 1 for apps ' +
        'named in RESUME_AFTER; null without a checkpoint.'
    )
  ),
  lag: z.nullable(
    INT64_TEXT(
      'range.next - position: records still to read (0 when the position is beyond next); ' +
        'null without a checkpoint.'
    )
  ),
})

export const CheckpointsSchema = z.object({
  stream_name: z.string(),
  app_name: z.string(),
  checkpoint_type: z.literal('LAST_READ'),
  partitions: z.array(ReadPositionSchema).check(about('In partition order.')),
  request_id: REQUEST_ID,
})

export const UndoRecordSchema = z
  .object({
    undone_at: TIMESTAMP,
    client_id: z.string(),
    request_id: z.string().check(about('The request that undid it.')),
    status: z.enum(['completed', 'partial', 'failed']),
    partitions: z.array(
      z.object({
        partition_id: CANONICAL_PARTITION,
        result: z
          .enum(['restored', 'skipped', 'failed'])
          .check(about('skipped: it had no checkpoint before the reset, so none is restored.')),
        code: z.optional(ProblemCodeSchema),
      })
    ),
  })
  .check(about('The outcome of an undo.'))

export const VerificationSchema = z
  .object({
    checked_at: TIMESTAMP,
    status: z.enum(['held', 'overwritten', 'unknown']),
    partitions: z.array(PositionSchema),
  })
  .check(about('Whether the reset held: each partition re-read some seconds after it.'))

/** A move's `to` as the caller gave it (validated), echoed in the entry and the answer. */
const MoveTargetEcho = z
  .looseObject({
    type: z.enum(MOVE_TARGET_TYPES),
  })
  .check(about('The move target, as requested (see the POST /v1/resets body).'))

export const MoveEvidenceSchema = z
  .object({
    record_timestamp: z.optional(
      z.string().check(about('Write time of the first record at or after T (a time move).'))
    ),
    clamped_from: z.optional(
      z.string().check(about('The requested position (or time) before out_of_range: clamp.'))
    ),
    no_record_after: z.optional(
      z.string().check(about('T: no record was found at or after it, so P = range.next.'))
    ),
    empty_batches: z.optional(
      z.int().check(about('Empty GetRecords batches met on the way (at most 3 are followed).'))
    ),
  })
  .check(about('Why the partition got its position.'))

export const LedgerEntrySchema = z
  .object({
    reset_id: RESET_ID_SCHEMA,
    kind: z
      .enum(['delete', 'move'])
      .check(
        about(
          'What the reset did: delete (DeleteCheckpoint), or move (CommitCheckpoint to a position, POST /v1/resets).'
        )
      ),
    to: z.optional(MoveTargetEcho),
    out_of_range: z.optional(z.enum(['reject', 'clamp'])),
    created_at: TIMESTAMP,
    client_id: z.string(),
    via: z.enum(['api', 'webhook']),
    delivery_id: z.nullable(z.string().check(about('The webhook delivery id (via webhook).'))),
    request_id: z
      .string()
      .check(
        about(
          "The gateway's id of the request that reset (its log line has the same); never the caller's."
        )
      ),
    client_request_id: z.nullable(
      z
        .string()
        .check(
          about(
            "The resetting caller's own X-Request-Id, if it was at most 128 of [A-Za-z0-9_=-]; for correlation only."
          )
        )
    ),
    stream_name: z.string(),
    app_name: z.string(),
    partition_selector: z.string().check(about('The canonical partition id, or all.')),
    status: z
      .enum(['in_progress', 'completed', 'partial', 'failed', 'abandoned'])
      .check(
        about(
          'abandoned: the entry was written but no DELETE was sent (the request failed first); nothing changed.'
        )
      ),
    partitions: z.array(
      z.object({
        partition_id: CANONICAL_PARTITION,
        previous_sequence_number: z.nullable(
          z.string().check(about('The snapshot before the DELETE; null: none was committed.'))
        ),
        result: z.enum(['pending', 'deleted', 'committed', 'unchanged', 'failed']),
        code: z.optional(ProblemCodeSchema),
        position: z.optional(
          z.string().check(about('A move: the position P, the sequence number read next.'))
        ),
        committed: z.optional(
          z.string().check(about('A move: the sequence number committed for P.'))
        ),
        evidence: z.optional(z.nullable(MoveEvidenceSchema)),
      })
    ),
    undo: z.nullable(UndoRecordSchema),
    verification: z.nullable(VerificationSchema),
  })
  .check(about('A reset ledger entry.'))

export const ResetPageSchema = z.object({
  resets: z.array(LedgerEntrySchema).check(about('Newest first.')),
  next_cursor: z.nullable(
    z.string().check(about('Pass as cursor for the next page; null on the last one.'))
  ),
  request_id: REQUEST_ID,
})

export const UndoSchema = z.intersection(
  UndoRecordSchema,
  z.object({ reset_id: RESET_ID_SCHEMA, request_id: REQUEST_ID })
)

export const FieldErrorSchema = z.object({
  field: z.string().check(about('Parameter or body field; (body) or (query) for the whole.')),
  message: z.string(),
})

export const UpstreamSummarySchema = z
  .object({
    status: z.nullable(HTTP_STATUS),
    error_code: z.nullable(z.string().check(about('DIS or IAM error code, e.g. DIS.4301.'))),
  })
  .check(about("What DIS or IAM answered: status and error code only, never the upstream's text."))

export const PartitionOutcomeSchema = z.object({
  partition_id: CANONICAL_PARTITION,
  result: z.enum(['deleted', 'failed']),
  code: z.optional(ProblemCodeSchema),
})

export const ProblemSchema = z
  .object({
    type: z.url().check(about('Identifies the problem type; ends with the code.')),
    title: z.string(),
    status: HTTP_STATUS,
    detail: z.string(),
    code: ProblemCodeSchema,
    request_id: z.string(),
    errors: z.optional(
      z.array(FieldErrorSchema).check(about('Validation errors, one per bad field.'))
    ),
    upstream: z.optional(UpstreamSummarySchema),
    partitions: z.optional(
      z
        .array(PartitionOutcomeSchema)
        .check(
          about(
            'partition_id=all with some failures: which partitions were reset and which ' +
              'failed (retrying the same request is safe).'
          )
        )
    ),
    reset_id: z.optional(RESET_ID_SCHEMA.check(about('The reset concerned, if one was recorded.'))),
    undo: z.optional(UndoRecordSchema),
    conflicts: z.optional(
      z
        .array(PositionSchema)
        .check(about('undo_conflict: the partitions a consumer has committed since the reset.'))
    ),
    newer_resets: z.optional(
      z
        .array(RESET_ID_SCHEMA)
        .check(
          about(
            'undo_conflict: newer resets still standing that changed these partitions (force=true goes back past them).'
          )
        )
    ),
  })
  .check(about('RFC 9457 problem details. Other extension members may appear.'))

export const HealthSchema = z.object({
  status: z
    .enum(['ok', 'misconfigured'])
    .check(about('`misconfigured` (with HTTP 503) exactly when `config` is `invalid`.')),
  config: z
    .enum(['valid', 'invalid'])
    .check(about('Whether the configuration parsed (never why; the log says why).')),
})

const SEQUENCE = z.string().check(z.regex(/^[0-9]{1,19}$/), about('int64 as a decimal string.'))

export const MoveAnswerSchema = z
  .object({
    reset_id: z.optional(RESET_ID_SCHEMA.check(about('Absent for a plan (dry_run).'))),
    stream_name: z.string(),
    app_name: z.string(),
    to: MoveTargetEcho,
    out_of_range: z.enum(['reject', 'clamp']),
    status: z.optional(z.enum(['completed', 'partial', 'failed'])),
    dry_run: z.optional(z.literal(true)),
    partitions: z.array(
      z.object({
        partition_id: CANONICAL_PARTITION,
        range: z
          .object({ earliest: SEQUENCE, next: SEQUENCE })
          .check(about('The retained range: oldest record, and the number the next one gets.')),
        previous: z.nullable(SEQUENCE.check(about('The checkpoint before the move.'))),
        position: z.nullable(SEQUENCE.check(about('P: the sequence number read next.'))),
        committed: z.nullable(
          SEQUENCE.check(about('What is committed for P (P - 1 for RESUME_AFTER apps).'))
        ),
        evidence: z.nullable(MoveEvidenceSchema),
        result: z
          .enum(['planned', 'committed', 'unchanged', 'failed'])
          .check(about('planned in a plan; unchanged: the checkpoint already holds it, no call.')),
        code: z.optional(ProblemCodeSchema),
        read_back: z.optional(
          z.nullable(SEQUENCE.check(about('ShowCheckpoint right after the commit, if different.')))
        ),
      })
    ),
    request_id: REQUEST_ID,
  })
  .check(about('A move, or its plan (dry_run: true, with an ETag header).'))

export const RESPONSE_SCHEMAS = {
  MoveAnswer: MoveAnswerSchema,
  Receipt: ReceiptSchema,
  Checkpoints: CheckpointsSchema,
  Position: PositionSchema,
  ResetPage: ResetPageSchema,
  LedgerEntry: LedgerEntrySchema,
  Verification: VerificationSchema,
  Undo: UndoSchema,
  UndoRecord: UndoRecordSchema,
  Problem: ProblemSchema,
  ProblemCode: ProblemCodeSchema,
  FieldError: FieldErrorSchema,
  UpstreamSummary: UpstreamSummarySchema,
  PartitionOutcome: PartitionOutcomeSchema,
  Health: HealthSchema,
} as const
