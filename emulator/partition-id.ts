// Partition-id parsing. How the DIS *server* treats non-canonical ids is undocumented
// (docs/upstream.md § Partition ids [U]), hence two switchable modes.
import type { EmulatorSettings } from './types.ts'

const INT_MAX = 2 ** 31 - 1

export function canonicalPartitionId(n: number): string {
  return `shardId-${String(n).padStart(10, '0')}`
}

/**
 * 'documented' (default): exactly `shardId-` + 10 ASCII digits, or plain ASCII digits
 * (§ Partition ids: `2` ≡ `shardId-0000000002`, T6). Values above Java's int range are invalid.
 * 'lenient': what the legacy Java SDK's own parser accepts
 * (§ Partition ids, `getPartitionNumberFromShardId`):
 * case-insensitive `shardId` prefix, unpadded digits, a sign (`+7`, `-0`).
 * Returns the partition number, or null for an invalid id (→ DIS.4201).
 */
export function parsePartitionId(
  raw: string,
  forms: EmulatorSettings['partition_id_forms']
): number | null {
  return forms === 'lenient' ? parseLenient(raw) : parseDocumented(raw)
}

function parseDocumented(raw: string): number | null {
  const m = /^(?:shardId-(\d{10})|(\d+))$/.exec(raw)
  if (!m) return null
  const n = Number(m[1] ?? m[2])
  return n <= INT_MAX ? n : null
}

/** Java `Integer.parseInt` on ASCII input: optional sign, digits, int range. */
function javaParseInt(s: string): number | null {
  if (!/^[+-]?\d+$/.test(s)) return null
  const n = Number(s)
  return n >= -(2 ** 31) && n <= INT_MAX ? n : null
}

/** Java `String.split("-")`: trailing empty strings are dropped. */
function javaSplitDash(s: string): string[] {
  const parts = s.split('-')
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  return parts
}

function parseLenient(raw: string): number | null {
  const parts = javaSplitDash(raw)
  let n: number | null
  if (parts.length === 2 && parts[0]?.toLowerCase() === 'shardid') {
    n = javaParseInt(parts[1] ?? '')
  } else {
    // "backward compat": the whole string as an int
    n = javaParseInt(raw)
  }
  if (n === null || n < 0) return null
  return n === 0 ? 0 : n // normalise -0
}

/** Fault-rule matching: any form either mode would accept names the same partition. */
export function partitionNumberForMatch(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null
  return parseLenient(raw)
}
