/**
 * Issue 15 item 10: local configuration that works. `npm run dev` (scripts/dev.ts) honours the
 * developer's own `.dev.vars`, refuses an invalid one with the reason, and the shipped
 * wrangler.jsonc declares every optional setting while not being deployable as it is.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { unstable_readConfig } from 'wrangler'
import { DEMO } from '../../../emulator/demo.ts'
import { parseConfig } from '../../../src/config/parse'
import { EnvSchema } from '../../../src/config/schema'
import { freePort, runDev } from '../../support/dev-process.ts'

const DEMO_KEY = 'demo-key-for-local-development-only'
/** A developer's real password in .dev.vars: it must not break dev, nor show up anywhere. */
const REAL_PASSWORD = 'my-real-huawei-password-Zq81'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dev-config-test-'))
  dirs.push(dir)
  return dir
}

describe('wrangler.jsonc vars', () => {
  const vars = unstable_readConfig({ config: 'wrangler.jsonc' }).vars as Record<string, string>

  it('declares every optional setting with the default the parser applies', () => {
    const optional = Object.keys(EnvSchema.shape).filter(
      (name) => !EnvSchema.shape[name as keyof typeof EnvSchema.shape].safeParse(undefined).error
    )
    expect(optional.sort()).toEqual(
      [
        'DIS_ENDPOINT',
        'IAM_ENDPOINT',
        'LEDGER_RETENTION_DAYS',
        'REPLAY_RETENTION_HOURS',
        'RESET_LEDGER',
        'RESET_VERIFY_SECONDS',
        'RESUME_AFTER',
        'WORKERS_SUBREQUEST_LIMIT',
      ].sort()
    )
    for (const name of optional) expect(vars, name).toHaveProperty(name)
    // The declared value means what leaving the setting out means.
    const base = {
      ...vars,
      DIS_PROJECT_ID: DEMO.projectId,
      IAM_DOMAIN_NAME: DEMO.domainName,
      IAM_USER_NAME: DEMO.userName,
      IAM_PASSWORD: 'x',
      GATEWAY_CLIENTS: '[]',
    }
    const declared = parseConfig(base)
    const undeclared = parseConfig(
      Object.fromEntries(Object.entries(base).filter(([name]) => !optional.includes(name)))
    )
    if (!declared.ok || !undeclared.ok) throw new Error('expected a valid configuration')
    expect(declared.config).toEqual(undeclared.config)
  })

  it('is not a deployable configuration as shipped (the identity is left empty)', () => {
    const result = parseConfig({ ...vars, IAM_PASSWORD: 'x', GATEWAY_CLIENTS: '[]' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        'DIS_PROJECT_ID: DIS_PROJECT_ID is required',
        'IAM_DOMAIN_NAME: IAM_DOMAIN_NAME is required',
        'IAM_USER_NAME: IAM_USER_NAME is required',
      ])
    )
  })
})

describe('npm run dev with your own .dev.vars', () => {
  it('stops with the reason, before starting wrangler, when the settings are invalid', async () => {
    const dir = tempDir()
    const devVars = join(dir, '.dev.vars')
    writeFileSync(devVars, `IAM_PASSWORD=${REAL_PASSWORD}\nLEDGER_RETENTION_DAYS=0\n`)
    const run = runDev(['--dev-vars', devVars], {
      gateway: await freePort(),
      emulator: await freePort(),
    })
    expect(await run.exited).toBe(1)
    expect(run.output()).toContain(
      'LEDGER_RETENTION_DAYS: LEDGER_RETENTION_DAYS must be a whole number from 1 to 365'
    )
    expect(run.output()).not.toContain('wrangler')
    expect(run.output()).not.toContain(REAL_PASSWORD)
  })

  it('copy of .dev.vars.example + RESET_LEDGER=off (and a real password): receipts carry no reset_id', async () => {
    const dir = tempDir()
    const devVars = join(dir, '.dev.vars')
    copyFileSync('.dev.vars.example', devVars)
    await appendFile(devVars, `\nRESET_LEDGER=off\nIAM_PASSWORD=${REAL_PASSWORD}\n`)
    const ports = { gateway: await freePort(), emulator: await freePort() }
    const run = runDev(['--dev-vars', devVars, '--persist-to', join(dir, 'state')], ports)
    const gateway = `http://127.0.0.1:${ports.gateway}`
    try {
      await run.waitFor('Ctrl-C stops both.', 15_000)
      expect(run.output()).toContain('RESET_LEDGER=off: no "reset_id"')
      expect(run.output()).toContain('IAM_PASSWORD from your settings is not used')

      const response = await fetch(
        `${gateway}/v1/checkpoints?stream_name=events&app_name=billing&partition_id=7`,
        { method: 'DELETE', headers: { Authorization: `Bearer ${DEMO_KEY}` } }
      )
      const receipt = (await response.json()) as Record<string, unknown>
      expect(response.status).toBe(200)
      expect(receipt).toMatchObject({ stream_name: 'events', partitions: ['shardId-0000000007'] })
      expect(receipt).not.toHaveProperty('reset_id')
      // A pure DELETE proxy: the emulator saw one DELETE and no snapshot read.
      const calls = (await (
        await fetch(`http://127.0.0.1:${ports.emulator}/__emulator/calls`)
      ).json()) as { counts: Record<string, number> }
      expect(calls.counts).toMatchObject({ delete_checkpoint: 1, show_checkpoint: 0 })
    } finally {
      await run.stop()
    }
    // dev stopped wrangler and workerd too, not only itself: nothing answers on the port.
    await expect(fetch(`${gateway}/healthz`)).rejects.toThrow()
    expect(run.output()).not.toContain(REAL_PASSWORD)
  }, 30_000)
})
