// IAM `POST /v3/auth/tokens` (KeystoneCreateUserTokenByPassword),
// docs/upstream.md § IAM token, T1–T4.
import { createHash } from 'node:crypto'
import { iamErrorBody, iamMessageFor } from './errors.ts'
import { parseJson, type Reply } from './http-util.ts'
import type { Instance } from './instance.ts'
import { iamTime } from './tokens.ts'

export interface IamRequest {
  contentType: string | undefined
  nocatalog: string | null
  body: string
}

// T4 ⚠: any malformed or incomplete body, and a non-JSON Content-Type.
const INVALID_BODY = { status: 400, body: iamErrorBody(400, 'The request body is invalid') }
// T3 ⚠: wrong password, unknown user and wrong account all look the same.
const WRONG_LOGIN = { status: 401, body: iamErrorBody(401, 'The username or password is wrong.') }

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

function stableId(text: string): string {
  return createHash('md5').update(text).digest('hex')
}

function catalog(inst: Instance, region: string, projectId: string) {
  const endpoint = (service: string, url: string) => ({
    id: stableId(`${service}:endpoint`),
    interface: 'public',
    region,
    region_id: region,
    url,
  })
  return [
    {
      type: 'dis',
      id: stableId('dis'),
      name: 'dis',
      endpoints: [endpoint('dis', `${inst.origin}/v2/${projectId}`)],
    },
    {
      type: 'identity',
      id: stableId('iam'),
      name: 'iam',
      endpoints: [endpoint('iam', `${inst.origin}/v3`)],
    },
  ]
}

export function createToken(inst: Instance, req: IamRequest): Reply {
  // Content-Type must be application/json, any parameters
  // (§ IAM token: `;charset=utf8`, SDK `;charset=UTF-8`)
  const mediaType = req.contentType?.split(';')[0]?.trim().toLowerCase()
  if (mediaType !== 'application/json') return INVALID_BODY
  const parsed = parseJson(req.body)
  if (!parsed.ok) return INVALID_BODY
  const auth = obj(obj(parsed.value)?.auth)
  const identity = obj(auth?.identity)
  const methods = identity?.methods
  if (!Array.isArray(methods) || !methods.includes('password')) return INVALID_BODY
  const user = obj(obj(identity?.password)?.user)
  const name = str(user?.name)
  const password = str(user?.password)
  const domain = obj(user?.domain)
  const domainName = str(domain?.name)
  const domainId = str(domain?.id)
  if (name === undefined || password === undefined || (!domainName && !domainId)) {
    return INVALID_BODY
  }
  const { seed } = inst
  const account = seed.domain
  const seedUser = seed.users.find((u) => u.name === name)
  const accountMatches =
    domainName !== undefined ? domainName === account.name : domainId === account.id
  if (!seedUser || seedUser.password !== password || !accountMatches) return WRONG_LOGIN

  // Scope: project (by id or name) wins over domain; no scope → domain-level token (§ IAM token).
  const scope = auth?.scope
  if (scope !== undefined && !obj(scope)) return INVALID_BODY
  const scopeProject = obj(obj(scope)?.project)
  let project: { id: string; name: string } | undefined
  if (scopeProject) {
    const id = str(scopeProject.id)
    const pname = str(scopeProject.name)
    if (id === undefined && pname === undefined) return INVALID_BODY
    project = seed.projects.find((p) => (id !== undefined ? p.id === id : p.name === pname))
    // "IAM.1109-ish" ⚠: unknown project → 400 nested
    if (!project) return { status: 400, body: iamErrorBody(400, iamMessageFor('IAM.1109')) }
  }

  const now = Date.now()
  const issued = inst.tokens.issue({
    project_id: project?.id ?? null,
    user_id: seedUser.id,
    issued_at: now,
    expires_at: now + inst.settings.token_ttl_seconds * 1000,
  })
  const domainRef = { id: account.id, name: account.name }
  // Key order as in T1.
  const token: Record<string, unknown> = {
    catalog: req.nocatalog ? [] : catalog(inst, project?.name ?? 'cn-north-4', project?.id ?? ''),
    expires_at: iamTime(issued.expires_at),
    issued_at: iamTime(issued.issued_at),
    methods: ['password'],
  }
  if (project) token.project = { domain: domainRef, id: project.id, name: project.name }
  else token.domain = domainRef
  token.roles = [{ id: '0', name: 'op_fine_grained' }]
  token.user = {
    domain: domainRef,
    id: seedUser.id,
    name: seedUser.name,
    password_expires_at: '',
  }
  return { status: 201, body: { token }, headers: { 'X-Subject-Token': issued.token } }
}
