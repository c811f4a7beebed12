// Requests against the demo world (seed.ts), for tests and scripts. Only `fetch`: usable in
// Node and in workerd. The values mirror defaultSeed(); this module has no `node:` imports.

export const DEMO = {
  projectId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  projectName: 'cn-north-4',
  otherProjectId: '5f4e3d2c1b0a49384756a5b4c3d2e1f0',
  domainId: 'd78cbac186b744899480f25bd022f468',
  domainName: 'acme-account',
  userId: '07609fb9358010e21f7bc00375a1b2c3',
  userName: 'gw-user',
  password: 'S3cret!',
} as const

type Scope = { project: { id: string } | { name: string } } | { domain: { name: string } }

/** The T1 request body (project scope by id unless `scope` says otherwise). */
export function tokenRequestBody(
  options: { password?: string; scope?: Scope | null; user?: string; domain?: string } = {}
) {
  const auth: Record<string, unknown> = {
    identity: {
      methods: ['password'],
      password: {
        user: {
          name: options.user ?? DEMO.userName,
          password: options.password ?? DEMO.password,
          domain: { name: options.domain ?? DEMO.domainName },
        },
      },
    },
  }
  if (options.scope !== null) auth.scope = options.scope ?? { project: { id: DEMO.projectId } }
  return { auth }
}

/** POST /v3/auth/tokens?nocatalog=true as in T1. */
export function requestToken(baseUrl: string, body: unknown = tokenRequestBody()) {
  return fetch(`${baseUrl}/v3/auth/tokens?nocatalog=true`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json;charset=utf8' },
    body: JSON.stringify(body),
  })
}

/** A fresh token for the demo project (throws unless IAM answers 201). */
export async function fetchToken(baseUrl: string, body?: unknown): Promise<string> {
  const res = await requestToken(baseUrl, body)
  await res.body?.cancel()
  const token = res.headers.get('x-subject-token')
  if (res.status !== 201 || !token) throw new Error(`IAM answered ${res.status}`)
  return token
}

/** `{base}/v2/{project}/checkpoints?…` with the query in the given order. */
export function checkpointsUrl(
  baseUrl: string,
  query: Record<string, string>,
  projectId: string = DEMO.projectId
): string {
  const qs = new URLSearchParams(query).toString()
  return `${baseUrl}/v2/${projectId}/checkpoints${qs ? `?${qs}` : ''}`
}

export function streamUrl(
  baseUrl: string,
  stream: string,
  query: Record<string, string> = {},
  projectId: string = DEMO.projectId
): string {
  const qs = new URLSearchParams(query).toString()
  return `${baseUrl}/v2/${projectId}/streams/${encodeURIComponent(stream)}${qs ? `?${qs}` : ''}`
}

/** `{base}/v2/{project}/streams?…` (ListStreams). */
export function streamsUrl(
  baseUrl: string,
  query: Record<string, string> = {},
  projectId: string = DEMO.projectId
): string {
  const qs = new URLSearchParams(query).toString()
  return `${baseUrl}/v2/${projectId}/streams${qs ? `?${qs}` : ''}`
}
