/**
 * The `ETag` of a move plan and its `If-Match` check: a plan
 * (`dry_run: true`) answers a digest of the checkpoints it was computed from; executing the same
 * body with `If-Match: <that ETag>` goes ahead only if none of them moved.
 *
 * What "moved" means: a checkpoint's **sequence number** changed (or appeared, or vanished).
 * - Metadata is left out: a move keeps whatever metadata the partition holds when it commits,
 *   so a metadata-only change does not change where the plan puts the consumer.
 * - The retained range is left out: `next` grows with every write, so on a live stream an ETag
 *   covering it would never match again; the range is re-read and re-checked at apply time.
 * - For `{"type": "app"}` the other app's checkpoints are covered too: they *are* the plan's
 *   positions, so the caller reviewed them.
 * - The stream, the app and the set of partitions are covered, so an ETag of one plan never
 *   authorises another stream's (where "all null" checkpoints would otherwise digest alike).
 */

/** One partition's checkpoint as the plan read it (`null` = nothing committed). */
export interface PlanCheckpoint {
  partition_id: string
  sequence_number: string | null
}

export interface PlanDigestSource {
  stream_name: string
  app_name: string
  partitions: readonly PlanCheckpoint[]
  /** The app a `{"type": "app"}` move copies positions from, with its checkpoints. */
  source?: { app_name: string; partitions: readonly PlanCheckpoint[] }
}

/** Bumped if the digest input ever changes shape, so an old ETag cannot match by accident. */
const DIGEST_VERSION = 'dis-checkpoint-plan/1'

/**
 * The canonical text the ETag digests: independent of partition order and of how a number was
 * written (`007` and `7` are the same checkpoint), unambiguous because it is JSON (names cannot
 * run into each other). Throws on a partition listed twice: a plan never holds one.
 */
export function planDigestInput(plan: PlanDigestSource): string {
  return JSON.stringify([
    DIGEST_VERSION,
    plan.stream_name,
    plan.app_name,
    canonicalCheckpoints(plan.partitions),
    plan.source ? [plan.source.app_name, canonicalCheckpoints(plan.source.partitions)] : null,
  ])
}

function canonicalCheckpoints(partitions: readonly PlanCheckpoint[]): [string, string | null][] {
  const seen = new Set<string>()
  const pairs: [string, string | null][] = []
  for (const { partition_id, sequence_number } of partitions) {
    if (seen.has(partition_id)) throw new Error(`partition ${partition_id} is listed twice`)
    seen.add(partition_id)
    pairs.push([partition_id, sequence_number === null ? null : BigInt(sequence_number).toString()])
  }
  return pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** SHA-256 of UTF-8 text as lowercase hex (WebCrypto: the same in workerd and Node). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/**
 * The plan's strong ETag (RFC 9110 §8.8.3): the quoted SHA-256 hex of `planDigestInput`. Strong,
 * because `If-Match` compares strongly and the plan is only valid for exactly these checkpoints.
 */
export async function planETag(
  plan: PlanDigestSource,
  hash: (text: string) => Promise<string> = sha256Hex
): Promise<string> {
  return `"${await hash(planDigestInput(plan))}"`
}

/** The outcome of comparing an `If-Match` header with the current plan's ETag. */
export type IfMatchResult = 'match' | 'mismatch' | 'malformed'

/**
 * One list element: optional weak prefix, a quoted tag (etagc may include `,`), then `,` or end.
 */
const LIST_ELEMENT = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(,|$)/y

/**
 * RFC 9110 §13.1.1: `If-Match` is `*` or a comma-separated list of entity tags, compared
 * strongly (a weak `W/"…"` tag never matches). `*` matches: the caller asked for "whatever is
 * current", which is what executing without `If-Match` does anyway. A header that is not that
 * grammar is `malformed` (a 400 rather than a misleading `412 checkpoints_changed`).
 */
export function compareIfMatch(header: string, currentETag: string): IfMatchResult {
  if (header.trim() === '*') return 'match'
  let matched = false
  let tags = 0
  LIST_ELEMENT.lastIndex = 0
  while (LIST_ELEMENT.lastIndex < header.length) {
    const start = LIST_ELEMENT.lastIndex
    const element = LIST_ELEMENT.exec(header)
    if (!element) return 'malformed'
    // RFC 9110 §5.6.1: empty list elements are ignored.
    if (element[2] !== undefined) {
      tags++
      if (!element[1] && `"${element[2]}"` === currentETag) matched = true
    }
    if (element[3] === '') break
    if (LIST_ELEMENT.lastIndex === start) return 'malformed'
  }
  if (LIST_ELEMENT.lastIndex < header.length || tags === 0) return 'malformed'
  return matched ? 'match' : 'mismatch'
}
