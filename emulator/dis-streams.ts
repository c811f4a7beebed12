// DescribeStream `GET /v2/{project_id}/streams/{stream_name}`
// (docs/upstream.md § DescribeStream, T14).
import {
  type DisRequest,
  disError,
  findStream,
  isReply,
  parsePartitionParam,
} from './dis-common.ts'
import type { Reply } from './http-util.ts'
import type { Instance } from './instance.ts'
import { canonicalPartitionId } from './partition-id.ts'
import { partitionRange, rangeText } from './state.ts'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000

export function describeStream(inst: Instance, r: DisRequest): Reply {
  const limitRaw = r.query.get('limit_partitions')
  let limit = DEFAULT_LIMIT
  if (limitRaw !== null) {
    limit = /^\d+$/.test(limitRaw) ? Number(limitRaw) : Number.NaN
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      return disError(inst, 'DIS.4200', [`limit_partitions must be in [1, ${MAX_LIMIT}]`])
    }
  }
  // `start_partitionId` (camel-case I) is exclusive: the list starts after it
  // (§ DescribeStream, JDIS comment).
  const start = parsePartitionParam(inst, r.query.get('start_partitionId') || undefined)
  if (isReply(start)) return start
  const stream = findStream(inst, r.projectId, r.pathStream ?? '')
  if (isReply(stream)) return stream

  // max_page_size: forces short pages whatever the client asked, to exercise paging loops.
  const pageSize = Math.min(limit, inst.settings.max_page_size ?? limit)
  const from = start === undefined ? 0 : start + 1
  const page = stream.partitions.slice(from, from + pageSize)
  const all = stream.partitions
  // Key order as in T14.
  return {
    status: 200,
    body: {
      stream_id: stream.stream_id,
      stream_name: stream.name,
      create_time: stream.create_time,
      last_modified_time: stream.last_modified_time,
      retention_period: stream.retention_period,
      status: stream.status,
      stream_type: stream.stream_type,
      data_type: stream.data_type,
      writable_partition_count: all.filter((p) => p.status === 'ACTIVE').length,
      readable_partition_count: all.filter((p) => p.status === 'ACTIVE' || p.status === 'DELETED')
        .length,
      tags: [],
      auto_scale_enabled: false,
      auto_scale_min_partition_count: 0,
      auto_scale_max_partition_count: 0,
      partitions: page.map((p) => ({
        status: p.status,
        partition_id: canonicalPartitionId(p.number),
        hash_range: p.hash_range,
        // "[A : B]" from the records now; null for EXPIRED, which Huawei's adapter reads as
        // expired (docs/emulator.md § Records and time).
        sequence_number_range:
          p.status === 'EXPIRED' ? null : rangeText(partitionRange(inst.world, stream, p)),
      })),
      has_more_partitions: from + page.length < all.length,
    },
  }
}

const LIST_DEFAULT_LIMIT = 10
const LIST_MAX_LIMIT = 100

/**
 * ListStreams `GET /v2/{project_id}/streams` (docs/emulator.md § Emulated APIs): `limit` 1–100
 * (default 10), `start_stream_name` exclusive, names in ascending order. A project without
 * streams answers an empty list. Gateways call it as a request no caller chooses, to tell "this
 * token is refused" from "this resource is refused".
 */
export function listStreams(inst: Instance, r: DisRequest): Reply {
  const limitRaw = r.query.get('limit')
  let limit = LIST_DEFAULT_LIMIT
  if (limitRaw !== null) {
    limit = /^\d+$/.test(limitRaw) ? Number(limitRaw) : Number.NaN
    if (!(limit >= 1 && limit <= LIST_MAX_LIMIT)) {
      return disError(inst, 'DIS.4200', [`limit must be in [1, ${LIST_MAX_LIMIT}]`])
    }
  }
  const start = r.query.get('start_stream_name') ?? ''
  const all =
    r.projectId === inst.world.projectId
      ? [...inst.world.streams.values()].sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0
        )
      : []
  const rest = start === '' ? all : all.filter((s) => s.name > start)
  const page = rest.slice(0, limit)
  return {
    status: 200,
    body: {
      total_number: all.length,
      stream_names: page.map((s) => s.name),
      has_more_streams: rest.length > page.length,
      stream_info_list: page.map((s) => ({
        stream_id: s.stream_id,
        stream_name: s.name,
        create_time: s.create_time,
        last_modified_time: s.last_modified_time,
        retention_period: s.retention_period,
        status: s.status,
        stream_type: s.stream_type,
        data_type: s.data_type,
        partition_count: s.partitions.length,
        auto_scale_enabled: false,
        auto_scale_min_partition_count: 0,
        auto_scale_max_partition_count: 0,
        tags: [],
        sys_tags: [],
      })),
    },
  }
}
