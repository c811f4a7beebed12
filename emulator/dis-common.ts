// Lookups and validation shared by the DIS routes, with the error codes of docs/upstream.md
// § DIS error codes.
import { defaultStatusForCode, disErrorBody } from './errors.ts'
import type { Reply } from './http-util.ts'
import type { Instance } from './instance.ts'
import { canonicalPartitionId, parsePartitionId } from './partition-id.ts'
import type { Partition, Stream } from './state.ts'

export interface DisRequest {
  /** `{project_id}` from the URL, already checked against the token. */
  projectId: string
  query: URLSearchParams
  body: string
  /** `{stream_name}` path segment (DescribeStream). */
  pathStream?: string
  /** Made by the emulator's live consumer: not an external change it should react to. */
  internal?: boolean
}

export function disError(inst: Instance, code: string, details: readonly string[] = []): Reply {
  return {
    status: defaultStatusForCode(code),
    body: disErrorBody(inst.settings.error_shape, code, details),
  }
}

/** Lookups return either their value or an error Reply; streams/partitions have a *string* status. */
export const isReply = (v: unknown): v is Reply =>
  typeof v === 'object' && v !== null && typeof (v as Reply).status === 'number'

/** T8: 400 DIS.4301; SDK shape names stream and project, doc shape only the stream. */
export function findStream(inst: Instance, projectId: string, name: string): Stream | Reply {
  // Streams belong to the seed's first project; other projects are empty.
  const stream = projectId === inst.world.projectId ? inst.world.streams.get(name) : undefined
  if (stream) return stream
  const details = inst.settings.error_shape === 'doc' ? [name] : [name, projectId]
  return disError(inst, 'DIS.4301', details)
}

/** T9: apps are project-level and valid with every stream. */
export function checkApp(inst: Instance, app: string): Reply | null {
  return inst.world.apps.has(app) ? null : disError(inst, 'DIS.4332')
}

/**
 * Parses a partition id per the `partition_id_forms` setting.
 * undefined → absent (lenient mode also treats '' as absent, like JDIS, § Partition ids);
 * Reply → DIS.4201 (T10).
 */
export function parsePartitionParam(
  inst: Instance,
  raw: string | undefined
): number | undefined | Reply {
  if (raw === undefined) return undefined
  if (raw === '' && inst.settings.partition_id_forms === 'lenient') return undefined
  const n = parsePartitionId(raw, inst.settings.partition_id_forms)
  return n === null ? disError(inst, 'DIS.4201', [raw]) : n
}

/** T10: beyond the stream → DIS.4302; EXPIRED → DIS.4319 (§ DIS error codes, JDIS message sample). */
export function findPartition(inst: Instance, stream: Stream, n: number): Partition | Reply {
  const partition = stream.partitions[n]
  if (!partition) return disError(inst, 'DIS.4302', [stream.name, canonicalPartitionId(n)])
  if (partition.status === 'EXPIRED') {
    return disError(inst, 'DIS.4319', [stream.name, inst.world.projectId, canonicalPartitionId(n)])
  }
  return partition
}

/**
 * `checkpoint_type`: required (setting checkpoint_type_required) and only `LAST_READ`
 * (§ DeleteCheckpoint).
 */
export function checkCheckpointType(inst: Instance, value: string | undefined): Reply | null {
  if (value === undefined || value === '') {
    return inst.settings.checkpoint_type_required
      ? disError(inst, 'DIS.4200', ['checkpoint_type is required'])
      : null
  }
  return value === 'LAST_READ'
    ? null
    : disError(inst, 'DIS.4200', [`Invalid checkpoint_type: ${value}`])
}

export function requireParam(
  inst: Instance,
  name: string,
  value: string | undefined
): Reply | null {
  return value === undefined || value === ''
    ? disError(inst, 'DIS.4200', [`${name} is required`])
    : null
}
