// Partition-id parsing (docs/upstream.md § Partition ids) and the seeded world's shape.
import { describe, expect, it } from 'vitest'
import {
  canonicalPartitionId,
  parsePartitionId,
  partitionNumberForMatch,
} from '../../../emulator/partition-id.ts'
import { defaultSeed } from '../../../emulator/seed.ts'
import { buildWorld } from '../../../emulator/state.ts'

describe('parsePartitionId', () => {
  it('documented: shardId- + 10 digits, or plain ASCII digits', () => {
    const cases: Array<[string, number | null]> = [
      ['0', 0],
      ['2', 2],
      ['007', 7],
      ['shardId-0000000002', 2],
      ['shardId-2147483647', 2147483647],
      ['2147483648', null],
      ['shardId-2', null],
      ['shardId-00000000002', null],
      ['SHARDID-0000000002', null],
      ['+2', null],
      ['-0', null],
      ['', null],
      [' 2', null],
      ['2\n', null],
      ['1e3', null],
      ['٢', null],
    ]
    for (const [raw, n] of cases)
      expect(parsePartitionId(raw, 'documented'), JSON.stringify(raw)).toBe(n)
  })

  it('lenient: JDIS getPartitionNumberFromShardId semantics', () => {
    const cases: Array<[string, number | null]> = [
      ['7', 7],
      ['007', 7],
      ['+7', 7],
      ['-0', 0],
      ['shardId-1', 1],
      ['ShArDiD-0000000003', 3],
      ['shardId-+4', 4],
      ['-1', null],
      ['shardId--1', null],
      ['shardId-', null],
      ['shard-1', null],
      ['2147483648', null],
      ['abc', null],
      ['', null],
    ]
    for (const [raw, n] of cases)
      expect(parsePartitionId(raw, 'lenient'), JSON.stringify(raw)).toBe(n)
  })

  it('canonical form and fault matching', () => {
    expect(canonicalPartitionId(7)).toBe('shardId-0000000007')
    expect(partitionNumberForMatch('shardId-0000000002')).toBe(2)
    expect(partitionNumberForMatch('2')).toBe(2)
    expect(partitionNumberForMatch(undefined)).toBeNull()
    expect(partitionNumberForMatch('')).toBeNull()
  })
})

describe('default seed', () => {
  it('has the demo streams, apps and one billing checkpoint per partition', () => {
    const world = buildWorld(defaultSeed())
    const counts = Object.fromEntries(
      [...world.streams].map(([name, s]) => [name, s.partitions.length])
    )
    expect(counts).toEqual({ orders: 3, events: 12, big: 32, mixed: 4 })
    expect([...world.apps]).toEqual(['billing', 'analytics', 'audit'])
    expect(world.checkpoints.size).toBe(51)
    expect(world.streams.get('mixed')?.partitions.map((p) => p.status)).toEqual([
      'ACTIVE',
      'ACTIVE',
      'DELETED',
      'EXPIRED',
    ])
  })

  it('hash ranges tile 0..2^63-1 without gaps', () => {
    const world = buildWorld(defaultSeed())
    for (const stream of world.streams.values()) {
      let next = 0n
      for (const p of stream.partitions) {
        const m = /^\[(\d+) : (\d+)\]$/.exec(p.hash_range)
        expect(m).not.toBeNull()
        expect(BigInt(m?.[1] ?? -1)).toBe(next)
        next = BigInt(m?.[2] ?? -1) + 1n
      }
      expect(next).toBe(2n ** 63n)
    }
  })

  it('returns a fresh object each time', () => {
    const a = defaultSeed()
    a.apps.push('x')
    expect(defaultSeed().apps).not.toContain('x')
  })
})
