import type { LedgerEntry } from '../../src/ledger/entry'

/**
 * A complete ledger entry for tests that drive the ledger object directly (costs, sweeps, size):
 * one delete-reset of `orders/billing` partition 1, in progress, overridden field by field. One
 * builder, so a field the entry gains is added here once.
 */
export function testEntry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    reset_id: 'rst_testaaaaaaaaaaaaaaaaaaaaa',
    kind: 'delete',
    created_at: new Date().toISOString(),
    client_id: 'ops',
    via: 'api',
    delivery_id: null,
    request_id: 'r',
    client_request_id: null,
    stream_name: 'orders',
    app_name: 'billing',
    partition_selector: 'shardId-0000000001',
    status: 'in_progress',
    partitions: [
      {
        partition_id: 'shardId-0000000001',
        previous_sequence_number: '1',
        previous_metadata: '',
        result: 'pending',
      },
    ],
    undo: null,
    verification: null,
    ...overrides,
  }
}
