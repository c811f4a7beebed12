import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { githubHeaders, standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { createApp } from '../../src/app'
import { parseConfig } from '../../src/config/parse'

/**
 * `npm run keygen` as an operator runs it: a child process on the project's Node 22, its output
 * parsed the way a person would copy it. The entry must pass the gateway's real config parser and
 * the credential must authenticate through the real app (dry runs: no upstream is needed).
 */
function keygen(...args: string[]) {
  const run = spawnSync(process.execPath, ['scripts/keygen.ts', ...args], { encoding: 'utf8' })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

interface Output {
  credential: string
  entry: Record<string, unknown>
  devVars: string
  stdout: string
}

function generated(...args: string[]): Output {
  const run = keygen(...args)
  expect(run.stderr).toBe('')
  expect(run.status).toBe(0)
  const credential = /^ {4}(\S+)$/m.exec(run.stdout)?.[1]
  const entry = /^ {4}(\{"id".*\})$/m.exec(run.stdout)?.[1]
  const devVars = /^ {5}(GATEWAY_CLIENTS='.*')$/m.exec(run.stdout)?.[1]
  if (!credential || !entry || !devVars) throw new Error(`unexpected output:\n${run.stdout}`)
  return { credential, entry: JSON.parse(entry), devVars, stdout: run.stdout }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const occurrences = (text: string, needle: string) => text.split(needle).length - 1

const ENV = {
  DIS_REGION: 'cn-north-4',
  DIS_PROJECT_ID: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  IAM_DOMAIN_NAME: 'acme-account',
  IAM_USER_NAME: 'gw-user',
  IAM_PASSWORD: 'unused-in-dry-runs',
  // Never contacted: a single-partition dry run of a pure proxy makes no upstream call.
  DIS_ENDPOINT: 'http://127.0.0.1:9',
  IAM_ENDPOINT: 'http://127.0.0.1:9',
  RESET_LEDGER: 'off',
}

/**
 * Stand-ins for the bindings wrangler.jsonc declares, so the real app runs in Node: a limiter
 * that always allows, and a replay guard that remembers in memory (the Durable Objects
 * themselves are tested in workerd: test/worker/shared-state.test.ts).
 */
function bindings() {
  const deliveries = new Map<string, string | null>()
  const guard = {
    reserve: async (key: string) => {
      const receipt = deliveries.get(key)
      if (receipt) return { state: 'done', receipt }
      if (receipt === null) return { state: 'pending' }
      deliveries.set(key, null)
      return { state: 'reserved' }
    },
    complete: async (key: string, receipt: string) => void deliveries.set(key, receipt),
    release: async (key: string) => void deliveries.delete(key),
  }
  const unused = { idFromName: () => ({}), get: () => ({}) }
  return {
    CLIENT_RATE_LIMITER: { limit: async () => ({ success: true }) },
    REPLAY_GUARD: { idFromName: () => ({}), get: () => guard },
    TOKEN_BROKER: unused,
    LEDGER: unused,
  }
}

/** The real gateway app, configured with exactly these entries. */
function gatewayWith(entries: unknown[]) {
  const env = { ...ENV, ...bindings(), GATEWAY_CLIENTS: JSON.stringify(entries) }
  const config = parseConfig(env)
  expect(config.ok ? [] : config.reasons).toEqual([])
  const app = createApp({
    fetch: () => Promise.reject(new Error('no upstream call expected')),
  })
  return (path: string, init: RequestInit) =>
    app.fetch(new Request(`https://gateway.test${path}`, init), env as unknown as Env)
}

// The app writes one log line per request; keep the test output readable.
beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {})
})

const DRY_RUN = '/v1/checkpoints?stream_name=orders&app_name=billing&partition_id=7&dry_run=true'
const bearer = (key: string) => ({ method: 'DELETE', headers: { Authorization: `Bearer ${key}` } })

describe('npm run keygen (API clients)', () => {
  it('prints a strong key once and an entry holding only its SHA-256', async () => {
    const out = generated('--id', 'billing-svc', '--allow', 'orders/billing', '--allow', 'events/*')
    expect(out.credential).toMatch(/^dcg_[A-Za-z0-9_-]{43}$/) // 32 random bytes, base64url
    expect(occurrences(out.stdout, out.credential)).toBe(1)
    expect(out.entry).toEqual({
      id: 'billing-svc',
      api_key_sha256: [sha256(out.credential)],
      allow: ['orders/billing', 'events/*'],
    })
    expect(out.devVars).toBe(`GATEWAY_CLIENTS='[${JSON.stringify(out.entry)}]'`)
    expect(out.stdout).toContain('npx wrangler secret put GATEWAY_CLIENTS')

    const request = gatewayWith([out.entry])
    const accepted = await request(DRY_RUN, bearer(out.credential))
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toMatchObject({
      partitions: ['shardId-0000000007'],
      dry_run: true,
    })
    expect((await request(DRY_RUN, bearer(`${out.credential}x`))).status).toBe(401)
  })

  it('makes a different key every time', () => {
    const a = generated('--id', 'a', '--allow', '*/*').credential
    const b = generated('--id', 'a', '--allow', '*/*').credential
    expect(a).not.toBe(b)
  })

  it('rotates: the printed entry accepts the new and the old key', async () => {
    const old = generated('--id', 'ops', '--allow', '*/*')
    const rotated = generated('--rotate', JSON.stringify(old.entry))
    expect(rotated.entry.api_key_sha256).toEqual([
      sha256(rotated.credential),
      sha256(old.credential),
    ])
    expect(rotated.stdout).toMatch(/remove the old hash/)
    const request = gatewayWith([rotated.entry])
    expect((await request(DRY_RUN, bearer(rotated.credential))).status).toBe(200)
    expect((await request(DRY_RUN, bearer(old.credential))).status).toBe(200)

    const byHash = generated('--id', 'ops', '--allow', '*/*', '--rotate', sha256(old.credential))
    expect(byHash.entry.api_key_sha256).toEqual([sha256(byHash.credential), sha256(old.credential)])
  })
})

describe('npm run keygen --webhook', () => {
  const body = JSON.stringify({
    stream_name: 'orders',
    app_name: 'billing',
    partition_id: 1,
    dry_run: true,
  })
  const post = (headers: Record<string, string>) => ({
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  })

  it('makes a whsec_ secret that verifies Standard Webhooks deliveries', async () => {
    const out = generated('--id', 'ci', '--allow', 'orders/*', '--webhook')
    expect(out.credential).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(out.entry).toEqual({ id: 'ci', webhook_secrets: [out.credential], allow: ['orders/*'] })
    expect(out.stdout).toMatch(/CONTAINS THE SECRET/)
    const request = gatewayWith([out.entry])
    const headers = await standardWebhookHeaders({
      secret: out.credential,
      id: 'msg_keygen_1',
      timestamp: Math.floor(Date.now() / 1000),
      body,
    })
    expect((await request('/v1/hooks/ci', post(headers))).status).toBe(200)
  })

  it('makes a GitHub-style text secret, and rotates it keeping the old one', async () => {
    const out = generated('--id', 'gh', '--allow', 'orders/*', '--webhook', '--github')
    expect(out.entry).toMatchObject({ signature: 'github', webhook_secrets: [out.credential] })
    const rotated = generated('--rotate', JSON.stringify(out.entry))
    expect(rotated.entry.webhook_secrets).toEqual([rotated.credential, out.credential])
    const request = gatewayWith([rotated.entry])
    for (const [i, secret] of [rotated.credential, out.credential].entries()) {
      const headers = await githubHeaders({ secret, id: `gh-delivery-${i}`, body })
      expect((await request('/v1/hooks/gh', post(headers))).status).toBe(200)
    }
  })
})

describe('npm run keygen refuses bad input, printing no credential', () => {
  it.each([
    ['no --id', ['--allow', '*/*']],
    ['an upper-case id', ['--id', 'Billing', '--allow', '*/*']],
    ['no --allow', ['--id', 'a']],
    ['a bad allow pattern', ['--id', 'a', '--allow', 'orders']],
    ['an allow pattern with a star inside', ['--id', 'a', '--allow', 'or*ers/billing']],
    ['--github without --webhook', ['--id', 'a', '--allow', '*/*', '--github']],
    ['an unknown option', ['--id', 'a', '--allow', '*/*', '--admin']],
    ['rotating something that is not a hash', ['--id', 'a', '--allow', '*/*', '--rotate', 'x']],
    ['rotating an invalid entry', ['--rotate', '{"id":"a","allow":["*/*"]}']],
  ])('%s', (_case, args) => {
    const run = keygen(...args)
    expect(run.status).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^keygen: /)
  })
})
