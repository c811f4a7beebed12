/**
 * Partition-id canonicalization (README "Parameters").
 *
 * Accepted, all meaning partition number n:
 * - 1–10 ASCII digits (`0`, `7`, `007`); in JSON also a non-negative integer;
 * - `shardId-` (exactly this case) followed by 1–10 ASCII digits;
 * and n ≤ 2147483647: DIS partition ids are 32-bit (Java `int`), so a larger n is refused here,
 * before anything is sent upstream, instead of surfacing as DIS.4201 (or worse, wrapping).
 * Canonical form: `shardId-` + n padded to 10 digits, the only form sent upstream.
 *
 * Digits are matched with explicit `[0-9]` classes and no `u`/`i` flags, so non-ASCII digits,
 * fullwidth forms and case-folded look-alikes (Kelvin sign, long s) never match; nothing is
 * normalised before matching (NFKC after validation would reopen those holes: it maps `ｓｈａｒｄＩｄ` to `shardId`).
 * `Number()`/`parseInt()` are never used on the raw text (`0x1`, `1e3`, `''` and `+7` parse);
 * only on at most 10 ASCII digits the patterns already matched, which it converts exactly.
 */

const DIGITS = /^[0-9]{1,10}$/
const SHARD_ID = /^shardId-([0-9]{1,10})$/

/**
 * The accepted string forms as one pattern, for the route schemas (and so for the OpenAPI
 * document, where zod writes it as `pattern`). A pattern cannot say "at most 2147483647"
 * readably, so it admits every 10-digit number and `partitionSelector` makes the exact check:
 * what the pattern accepts is a superset of what the gateway accepts, never less.
 */
export const PARTITION_ID_PATTERN = /^([0-9]{1,10}|shardId-[0-9]{1,10}|all)$/
/** The largest partition number: 2^31 - 1 (DIS partition ids are 32-bit integers). */
export const MAX_PARTITION = 2_147_483_647

export const PARTITION_ID_FORMS =
  'partition_id must be 1-10 ASCII digits (e.g. 7), shardId- followed by 1-10 digits (e.g. shardId-0000000007), or all'
export const PARTITION_ID_RANGE =
  'partition_id must be at most 2147483647 (DIS partition ids are 32-bit integers)'

/** Every readable partition of the stream (README "partition_id=all"). */
export const ALL_PARTITIONS = 'all'

/** A canonical partition id, `all`, or undefined when the input is neither. */
export function partitionSelector(input: unknown): string | undefined {
  return input === ALL_PARTITIONS ? ALL_PARTITIONS : canonicalPartitionId(input)
}

/** Returns the canonical `shardId-NNNNNNNNNN`, or undefined for anything not in the accepted forms. */
export function canonicalPartitionId(input: unknown): string | undefined {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0 || input > MAX_PARTITION) return undefined
    return pad(String(input))
  }
  if (typeof input !== 'string') return undefined
  const digits = DIGITS.test(input) ? input : SHARD_ID.exec(input)?.[1]
  if (digits === undefined || Number(digits) > MAX_PARTITION) return undefined
  return pad(digits)
}

/** The partition number of a canonical id (for ordering and logs). */
export function partitionNumber(canonical: string): number {
  return Number(canonical.slice('shardId-'.length))
}

function pad(digits: string): string {
  // Strip leading zeros first so `0000000000007` style inputs cannot exceed 10 digits; the
  // accepted forms are at most 10 digits anyway, so this only normalises `007` → `7`.
  const trimmed = digits.replace(/^0+(?=[0-9])/, '')
  return `shardId-${trimmed.padStart(10, '0')}`
}
