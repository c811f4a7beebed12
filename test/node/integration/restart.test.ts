/**
 * Issue 10: replay protection survives a restart. The real Worker (wrangler.jsonc, workerd,
 * SQLite-backed Durable Objects persisted to a temp directory) accepts a webhook delivery, is
 * stopped completely, and a fresh Worker on the same state directory must still recognise the
 * delivery id: the stored receipt, and no second DELETE upstream.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EmulatorClient, emulatorClient } from '../../../emulator/client.ts'
import { DEMO } from '../../../emulator/demo.ts'
import { type RunningEmulator, startEmulator } from '../../../emulator/server.ts'
import {
  newStandardWebhookSecret,
  standardWebhookHeaders,
} from '../../../scripts/webhook-signing.ts'
import { IAM_PASSWORD } from '../../support/fixtures.ts'
import { type RunningWorker, startWorker } from './worker-harness.ts'

const CLIENT_ID = 'ci'
const SECRET = newStandardWebhookSecret()
const BODY = JSON.stringify({ stream_name: 'orders', app_name: 'billing', partition_id: 2 })
/** Boots plus a few requests; the bounds only matter when something hangs. */
const STEP_TIMEOUT_MS = 30_000

let emulator: RunningEmulator
let ctl: EmulatorClient
let stateDir: string
let worker: RunningWorker | undefined
/** Every Worker instance started, so the last test can read all their logs. */
const instances: RunningWorker[] = []

async function boot(persistDir: string): Promise<RunningWorker> {
  const started = await startWorker({
    persistDir,
    vars: {
      DIS_ENDPOINT: emulator.url,
      IAM_ENDPOINT: emulator.url,
      // wrangler.jsonc leaves the identity empty (not deployable as shipped): the emulator's.
      DIS_PROJECT_ID: DEMO.projectId,
      IAM_DOMAIN_NAME: DEMO.domainName,
      IAM_USER_NAME: DEMO.userName,
    },
    secrets: {
      IAM_PASSWORD,
      GATEWAY_CLIENTS: JSON.stringify([
        { id: CLIENT_ID, webhook_secrets: [SECRET], allow: ['*/*'] },
      ]),
    },
  })
  instances.push(started)
  return started
}

/** Stops the running Worker completely (workerd exits, its ports close) before the next boot. */
async function stop(): Promise<void> {
  const current = worker
  worker = undefined
  if (!current) return
  await current.dispose()
  expect(current.errors).toEqual([])
}

/** POSTs the flat body as a fresh Standard Webhooks delivery `id`, signed at `timestamp`. */
async function deliver(id: string, timestamp: number) {
  const target = requireWorker()
  const headers = await standardWebhookHeaders({ secret: SECRET, id, timestamp, body: BODY })
  const response = await target.request(`/v1/hooks/${CLIENT_ID}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: BODY,
  })
  return { response, text: await response.text(), signature: headers['webhook-signature'] ?? '' }
}

function requireWorker(): RunningWorker {
  if (!worker) throw new Error('no Worker is running (an earlier step failed)')
  return worker
}

async function upstreamDeletes(): Promise<number> {
  return (await ctl.calls()).counts.delete_checkpoint
}

const nowSeconds = () => Math.floor(Date.now() / 1000)
const deliveryId = `msg_restart_${crypto.randomUUID().replaceAll('-', '')}`
let firstReceipt = ''
let firstSignature = ''

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' })
  ctl = emulatorClient(emulator.url)
  stateDir = await mkdtemp(join(tmpdir(), 'gateway-restart-'))
})

afterAll(async () => {
  await worker?.dispose().catch(() => {})
  await emulator?.close()
  if (stateDir) await rm(stateDir, { recursive: true, force: true })
})

describe('replay memory across a gateway restart', () => {
  it(
    'the real Worker boots from wrangler.jsonc and its configuration is valid',
    async () => {
      // A boot failure (e.g. randomness in global scope) rejects here with workerd's message.
      worker = await boot(stateDir)
      const health = await worker.request('/healthz')
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok', config: 'valid' })
    },
    STEP_TIMEOUT_MS
  )

  it('a first delivery resets the partition once and answers its receipt', async ({ skip }) => {
    skip(!worker, 'the Worker did not boot (see above)')
    // An older (still fresh) timestamp, so the redelivery below is signed differently.
    const first = await deliver(deliveryId, nowSeconds() - 30)
    expect(first.response.status, first.text).toBe(200)
    const receipt = JSON.parse(first.text)
    expect(receipt).toMatchObject({
      stream_name: 'orders',
      app_name: 'billing',
      checkpoint_type: 'LAST_READ',
      partitions: ['shardId-0000000002'],
    })
    expect(receipt.request_id).toEqual(expect.any(String))
    expect(await upstreamDeletes()).toBe(1)
    firstReceipt = first.text
    firstSignature = first.signature
  })

  it(
    'after a full restart on the same state, the same delivery id gets the stored receipt and no DELETE',
    async ({ skip }) => {
      skip(firstReceipt === '', 'no first delivery to replay (see above)')
      await stop()
      worker = await boot(stateDir)
      const before = await upstreamDeletes()
      const again = await deliver(deliveryId, nowSeconds())
      expect(again.signature).not.toBe(firstSignature)
      expect(again.response.status, again.text).toBe(200)
      // Byte for byte, including the first request's request_id.
      expect(again.text).toBe(firstReceipt)
      expect(await upstreamDeletes()).toBe(before)
    },
    STEP_TIMEOUT_MS
  )

  it('control: a new delivery id after the restart is processed and resets again', async ({
    skip,
  }) => {
    skip(!worker || firstReceipt === '', 'no restarted Worker (see above)')
    const before = await upstreamDeletes()
    const other = await deliver(`${deliveryId}_2`, nowSeconds())
    expect(other.response.status, other.text).toBe(200)
    expect(JSON.parse(other.text).request_id).not.toBe(JSON.parse(firstReceipt).request_id)
    expect(await upstreamDeletes()).toBe(before + 1)
  })

  it(
    'control: a Worker on an empty state directory does not know the delivery',
    async ({ skip }) => {
      skip(firstReceipt === '', 'no first delivery to compare with (see above)')
      await stop()
      const emptyDir = await mkdtemp(join(tmpdir(), 'gateway-restart-empty-'))
      try {
        worker = await boot(emptyDir)
        const before = await upstreamDeletes()
        const fresh = await deliver(deliveryId, nowSeconds())
        expect(fresh.response.status, fresh.text).toBe(200)
        expect(fresh.text).not.toBe(firstReceipt)
        expect(await upstreamDeletes()).toBe(before + 1)
        await stop()
      } finally {
        await worker?.dispose().catch(() => {})
        worker = undefined
        await rm(emptyDir, { recursive: true, force: true })
      }
    },
    STEP_TIMEOUT_MS
  )

  it('no log line of any Worker instance carries a secret', ({ skip }) => {
    const lines = instances.flatMap((instance) => instance.logs)
    skip(lines.length === 0, 'no Worker logged anything (see above)')
    for (const line of lines) {
      expect(line).not.toContain(IAM_PASSWORD)
      expect(line).not.toContain(SECRET.slice('whsec_'.length))
    }
  })
})
