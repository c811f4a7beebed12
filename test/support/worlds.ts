import { defaultSeed } from '../../emulator/seed.ts'
import type { Seed } from '../../emulator/types.ts'

export const MINUTE = 60_000

/**
 * The emulator's default world, but `orders` holds one record a minute for the last two hours
 * on each of its 3 partitions (range [0 : 120]): enough history for "rewind 1 hour" moves.
 */
export function ordersWithTwoHours(): Seed {
  const seed = defaultSeed()
  seed.streams = seed.streams.map((s) =>
    s.name === 'orders'
      ? {
          name: 'orders',
          partitions: [0, 1, 2].map(() => ({
            status: 'ACTIVE' as const,
            sequence_number_range: ['0', '120'] as [string, string],
            record_interval_ms: MINUTE,
          })),
        }
      : s
  )
  return seed
}
