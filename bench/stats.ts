/** Medians and spreads over rounds. */

export interface Spread {
  median: number
  min: number
  max: number
  /** How many values the median is of. */
  n: number
}

export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

export function spread(values: readonly number[]): Spread {
  const known = values.filter((v) => !Number.isNaN(v))
  return {
    median: median(known),
    min: known.length ? Math.min(...known) : Number.NaN,
    max: known.length ? Math.max(...known) : Number.NaN,
    n: known.length,
  }
}

/** Per-round ratios or differences of two paired series (round i of a with round i of b). */
export function paired(
  a: readonly number[],
  b: readonly number[],
  combine: (x: number, y: number) => number
): Spread {
  return spread(a.map((x, i) => combine(x, b[i] ?? Number.NaN)))
}
