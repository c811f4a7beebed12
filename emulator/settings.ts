// Switchable behaviours: every place where the real behaviour is open (docs/upstream.md
// § Unverified, [U]/⚠).
import type { EmulatorSettings } from './types.ts'

export const DEFAULT_SETTINGS: Readonly<EmulatorSettings> = Object.freeze({
  error_shape: 'sdk', // § Error bodies: what Huawei's own SDKs parse ({errorCode,message})
  token_error_style: 'apigw', // T11: APIGW.0301 / 401
  token_ttl_seconds: 86400, // § IAM token: 24 h
  checkpoint_type_required: true, // § DeleteCheckpoint: required in current docs
  partition_id_forms: 'documented', // § Partition ids: the two documented forms
  delete_without_partition: 'all', // T7 ⚠
  delete_missing_checkpoint: 'ok', // § DeleteCheckpoint [U]: idempotent
  // § ShowCheckpoint [U]: "-1" is what Huawei's own consumers test for (see docs/emulator.md)
  show_missing_checkpoint: 'negative',
  max_page_size: null,
  latency_ms: 0,
  // § CommitCheckpoint: "within the partition's valid range"; [A, B] is what AT resumption needs
  commit_range: 'at',
  cursor_ttl_seconds: 300, // § GetCursor: cursors are valid 5 minutes
  empty_record_batches: 0,
})

export function defaultSettings(): EmulatorSettings {
  return { ...DEFAULT_SETTINGS }
}

type Check = (v: unknown) => boolean

const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v)
const nonNegativeInt: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0
const positiveIntOrNull: Check = (v) => v === null || (Number.isSafeInteger(v) && (v as number) > 0)

const CHECKS: Record<keyof EmulatorSettings, Check> = {
  error_shape: oneOf('sdk', 'doc'),
  token_error_style: oneOf('apigw', 'dis441'),
  token_ttl_seconds: nonNegativeInt,
  checkpoint_type_required: oneOf(true, false),
  partition_id_forms: oneOf('documented', 'lenient'),
  delete_without_partition: oneOf('all', 'reject'),
  delete_missing_checkpoint: oneOf('ok', 'error'),
  show_missing_checkpoint: oneOf('missing', 'empty', 'negative', 'error'),
  max_page_size: positiveIntOrNull,
  latency_ms: nonNegativeInt,
  commit_range: oneOf('at', 'after', 'off'),
  cursor_ttl_seconds: nonNegativeInt,
  empty_record_batches: nonNegativeInt,
}

/** Validates a partial settings object; returns the names of unknown keys and bad values. */
export function validateSettingsPatch(patch: unknown): {
  ok: Partial<EmulatorSettings>
  invalid: string[]
} {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return { ok: {}, invalid: ['<body must be a JSON object>'] }
  }
  const invalid: string[] = []
  const ok: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(patch)) {
    const check = (CHECKS as Record<string, Check | undefined>)[key]
    if (!check?.(value)) invalid.push(key)
    else ok[key] = value
  }
  return { ok: ok as Partial<EmulatorSettings>, invalid }
}
