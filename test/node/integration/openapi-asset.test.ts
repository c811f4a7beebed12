/**
 * `GET /openapi.json` through the real stack (wrangler.jsonc → wrangler → workerd with Workers
 * Static Assets): the document is a static asset (public/openapi.json), served outside the
 * Worker with the headers of public/_headers, so no request to it reaches the Worker's code.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningWorker, startWorker } from './worker-harness.ts'

const FILE = new URL('../../../public/openapi.json', import.meta.url)

let worker: RunningWorker
let stateDir: string

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gateway-openapi-'))
  // No identity or clients: the document needs no configuration.
  worker = await startWorker({ persistDir: stateDir })
}, 120_000)

afterAll(async () => {
  await worker?.dispose().catch(() => {})
  if (stateDir) await rm(stateDir, { recursive: true, force: true })
})

describe('GET /openapi.json (static asset)', () => {
  it('serves the generated document as JSON, never stored by a shared cache', async () => {
    const response = await worker.request('/openapi.json')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const body = (await response.json()) as { openapi: string }
    expect(body).toEqual(JSON.parse(readFileSync(FILE, 'utf8')))
    expect(body.openapi).toMatch(/^3\.1\./)
  })

  it('answers HEAD and refuses other methods with 405, without running the Worker', async () => {
    expect((await worker.request('/openapi.json', { method: 'HEAD' })).status).toBe(200)
    expect((await worker.request('/openapi.json', { method: 'POST' })).status).toBe(405)
    // Every answer of the Worker carries its request id and a log line; the asset's does not.
    const response = await worker.request('/openapi.json')
    expect(response.headers.get('x-request-id')).toBeNull()
    await response.arrayBuffer()
  })
})
