/**
 * Input tables shared by the unit tests (the pure modules) and the workerd tests (the same inputs
 * through the real routes), so both always test the same cases.
 */

/** Partition ids past 2147483647 (DIS partition ids are 32-bit), in the string forms. */
export const OUT_OF_RANGE_PARTITION_IDS = [
  '2147483648',
  'shardId-2147483648',
  '9999999999',
  'shardId-9999999999',
  '4294967295',
  '4294967296',
] as const

/**
 * JSON numbers that are not plain digits: each parses to an integer (or rounds to one, like
 * `1.9999999999999999` → 2) yet must be refused as a partition_id.
 */
export const NON_PLAIN_JSON_NUMBERS = [
  '2.0',
  '2e0',
  '2E0',
  '2e+0',
  '-0',
  '7.0',
  '0.0',
  '1.9999999999999999',
] as const
