// Maps method + path to an upstream operation. IAM and DIS share one origin; paths tell them apart.
import type { RouteName } from './types.ts'

export const CONTROL_PREFIX = '/__emulator'

export type Routed =
  | { kind: 'control'; sub: string }
  | { kind: 'iam'; route: 'iam_token' }
  | { kind: 'dis'; route: Exclude<RouteName, 'iam_token'>; projectId: string; pathStream?: string }
  | { kind: 'other'; route: 'other' }

const OTHER: Routed = { kind: 'other', route: 'other' }

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

export function classify(method: string, pathname: string): Routed {
  if (pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`)) {
    return { kind: 'control', sub: pathname.slice(CONTROL_PREFIX.length) || '/' }
  }
  // Unknown method+path pairs are unknown APIs to the API gateway (404 APIGW.0101,
  // docs/upstream.md § APIGW errors).
  if (pathname === '/v3/auth/tokens') {
    return method === 'POST' ? { kind: 'iam', route: 'iam_token' } : OTHER
  }
  const parts = pathname.split('/')
  // ['', 'v2', '{project_id}', 'checkpoints'], ['', 'v2', '{project_id}', 'streams'] or
  // ['', 'v2', '{project_id}', 'streams', '{name}']
  if (parts[0] !== '' || parts[1] !== 'v2' || !parts[2]) return OTHER
  const projectId = decode(parts[2])
  if (projectId === null) return OTHER
  if (parts.length === 4 && parts[3] === 'checkpoints') {
    if (method === 'DELETE') return { kind: 'dis', route: 'delete_checkpoint', projectId }
    if (method === 'POST') return { kind: 'dis', route: 'commit_checkpoint', projectId }
    if (method === 'GET') return { kind: 'dis', route: 'show_checkpoint', projectId }
    return OTHER
  }
  if (parts.length === 4 && parts[3] === 'cursors') {
    return method === 'GET' ? { kind: 'dis', route: 'get_cursor', projectId } : OTHER
  }
  if (parts.length === 4 && parts[3] === 'records') {
    return method === 'GET' ? { kind: 'dis', route: 'get_records', projectId } : OTHER
  }
  if (parts.length === 4 && parts[3] === 'streams') {
    return method === 'GET' ? { kind: 'dis', route: 'list_streams', projectId } : OTHER
  }
  if (parts.length === 5 && parts[3] === 'streams' && parts[4] && method === 'GET') {
    const pathStream = decode(parts[4])
    if (pathStream === null) return OTHER
    return { kind: 'dis', route: 'describe_stream', projectId, pathStream }
  }
  return OTHER
}
