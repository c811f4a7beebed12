import * as z from 'zod/mini'
import { PROBLEMS, type ProblemCode } from '../../src/errors/codes.ts'

/**
 * Shapes of what the gateway answers. Unlike the requests, these are not validated at run time
 * (the code builds them), so they live here; the tests check real answers against them and
 * that `ResetReceipt` fits `ReceiptSchema`.
 */

const HTTP_STATUS = z.int().check(z.minimum(100), z.maximum(599))
const CANONICAL_PARTITION = z.string().check(z.regex(/^shardId-[0-9]{10}$/))
const about = (description: string) => z.describe(description)

export const ReceiptSchema = z.object({
  stream_name: z.string(),
  app_name: z.string(),
  checkpoint_type: z.literal('LAST_READ'),
  partitions: z
    .array(CANONICAL_PARTITION)
    .check(about('Canonical ids of the partitions reset (for all: every readable one).')),
  request_id: z.string().check(about('Same as the X-Request-Id response header.')),
  dry_run: z.optional(
    z.literal(true).check(about('Present only for a dry run: nothing was deleted.'))
  ),
})

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
  code: z.optional(z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]])),
})

export const ProblemSchema = z
  .object({
    type: z.url().check(about('Identifies the problem type; ends with the code.')),
    title: z.string(),
    status: HTTP_STATUS,
    detail: z.string(),
    code: z
      .enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]])
      .check(about('Stable; what clients switch on.')),
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
  })
  .check(about('RFC 9457 problem details. Other extension members may appear.'))

export const HealthSchema = z.object({
  status: z.literal('ok'),
  config: z
    .enum(['valid', 'invalid'])
    .check(about('Whether the configuration parsed (never why; the log says why).')),
})

export const RESPONSE_SCHEMAS = {
  Receipt: ReceiptSchema,
  Problem: ProblemSchema,
  FieldError: FieldErrorSchema,
  UpstreamSummary: UpstreamSummarySchema,
  PartitionOutcome: PartitionOutcomeSchema,
  Health: HealthSchema,
} as const
