// Control API: settings, reset, seed, spawn/shutdown, close().
import { describe, expect, inject, it } from 'vitest'
import { emulatorClient } from '../../../emulator/client.ts'
import { fetchToken, streamUrl } from '../../../emulator/demo.ts'
import { defaultSeed } from '../../../emulator/seed.ts'
import { startEmulator } from '../../../emulator/server.ts'
import { DEFAULT_SETTINGS } from '../../../emulator/settings.ts'
import { ctl, deleteOrdersZero, emu, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()

const del = deleteOrdersZero

describe('settings', () => {
  it('GET returns the defaults; POST merges and returns all', async () => {
    const res = await fetch(`${emu.url}/__emulator/settings`)
    expect(await res.json<Json>()).toEqual({
      error_shape: 'sdk',
      token_error_style: 'apigw',
      token_ttl_seconds: 86400,
      checkpoint_type_required: true,
      partition_id_forms: 'documented',
      delete_without_partition: 'all',
      delete_missing_checkpoint: 'ok',
      show_missing_checkpoint: 'negative',
      max_page_size: null,
      latency_ms: 0,
      commit_range: 'at',
      cursor_ttl_seconds: 300,
      empty_record_batches: 0,
    })
    const merged = await ctl.settings({ max_page_size: 5, error_shape: 'doc' })
    expect(merged).toEqual({ ...DEFAULT_SETTINGS, max_page_size: 5, error_shape: 'doc' })
    expect(await ctl.settings({ max_page_size: null })).toEqual({
      ...DEFAULT_SETTINGS,
      error_shape: 'doc',
    })
  })

  it('unknown keys and bad values → 400 naming them, nothing applied', async () => {
    const res = await fetch(`${emu.url}/__emulator/settings`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        latency_ms: -1,
        bogus: 1,
        error_shape: 'xml',
        max_page_size: 0,
        token_ttl_seconds: 10,
      }),
    })
    expect(res.status).toBe(400)
    expect(await res.json<Json>()).toEqual({
      error: 'unknown setting or bad value',
      invalid: ['latency_ms', 'bogus', 'error_shape', 'max_page_size'],
    })
    expect(await ctl.settings({})).toEqual(DEFAULT_SETTINGS)
  })
})

describe('state', () => {
  it('reset restores the seed, settings, faults, tokens and counters', async () => {
    expect((await del()).status).toBe(204)
    await ctl.settings({ latency_ms: 5 })
    await ctl.addFault({ route: 'describe_stream', status: 500 })
    await ctl.reset()
    expect(await ctl.tokens()).toEqual([])
    expect((await ctl.calls()).requests).toEqual([])
    expect(await ctl.settings({})).toEqual(DEFAULT_SETTINGS)
    expect((await fetch(`${emu.url}/__emulator/faults`).then((r) => r.json<Json>())).rules).toEqual(
      []
    )
    const orders = (await ctl.checkpoints()).filter((c) => c.stream_name === 'orders')
    expect(orders).toEqual(
      [0, 1, 2].map((n) => ({
        stream_name: 'orders',
        app_name: 'billing',
        partition_id: `shardId-000000000${n}`,
        sequence_number: '10',
        metadata: '',
      }))
    )
    // tokens were forgotten
    expect((await del()).status).toBe(401)
  })

  it('the default seed: 51 billing checkpoints across orders/events/big/mixed', async () => {
    const all = await ctl.checkpoints()
    expect(all).toHaveLength(3 + 12 + 32 + 4)
    expect(new Set(all.map((c) => c.app_name))).toEqual(new Set(['billing']))
    expect(defaultSeed().apps).toEqual(['billing', 'analytics', 'audit'])
  })

  it('unknown control routes → 404, wrong method → 405, bad JSON → 400', async () => {
    expect((await fetch(`${emu.url}/__emulator/nope`)).status).toBe(404)
    const wrong = await fetch(`${emu.url}/__emulator/reset`)
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    const bad = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: '{' })
    expect(bad.status).toBe(400)
    expect((await ctl.calls()).counts.other).toBe(0)
  })
})

describe('spawn / shutdown / close', () => {
  it('spawned instances are independent and shut down on request', async () => {
    const child = await ctl.spawn()
    expect(child.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(child.url).not.toBe(emu.url)
    const childToken = await fetchToken(child.url)
    // tokens, faults, calls and checkpoints are per instance
    expect((await del(emu.url, childToken)).status).toBe(401)
    await child.addFault({ route: 'delete_checkpoint', status: 500 })
    expect((await del()).status).toBe(204)
    expect((await del(child.url, childToken)).status).toBe(500)
    expect((await child.calls()).counts.delete_checkpoint).toBe(1)
    expect((await child.checkpoints()).filter((c) => c.stream_name === 'orders')).toHaveLength(3)
    await child.shutdown()
    await expect(fetch(`${child.url}/__emulator/calls`)).rejects.toThrow()
  })

  it('spawn with a custom seed; invalid seeds are refused', async () => {
    const seed = defaultSeed()
    seed.streams = [{ name: 'solo', partitions: 1 }]
    seed.checkpoints = []
    const child = await ctl.spawn(seed)
    const tok = await fetchToken(child.url)
    const res = await fetch(streamUrl(child.url, 'solo'), { headers: { 'X-Auth-Token': tok } })
    expect((await res.json<Json>()).partitions).toHaveLength(1)
    expect(
      (await fetch(streamUrl(child.url, 'orders'), { headers: { 'X-Auth-Token': tok } })).status
    ).toBe(400)
    await child.shutdown()
    await expect(ctl.spawn({ projects: [] } as never)).rejects.toThrow(/invalid seed/)
  })

  it('the root instance cannot be shut down over HTTP', async () => {
    await expect(ctl.shutdown()).rejects.toThrow(/400/)
  })

  it('close() ends hanging requests and closes spawned children', async () => {
    const parent = await startEmulator()
    const parentCtl = emulatorClient(parent.url)
    const child = await parentCtl.spawn()
    const tok = await fetchToken(parent.url)
    await parentCtl.setFaults([{ route: 'describe_stream', hang: true }])
    const hanging = fetch(streamUrl(parent.url, 'orders'), {
      headers: { 'X-Auth-Token': tok },
    }).then(
      () => 'answered',
      () => 'network error'
    )
    await new Promise((r) => setTimeout(r, 50))
    const t0 = Date.now()
    await parent.close()
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(await hanging).toBe('network error')
    await expect(fetch(`${child.url}/__emulator/calls`)).rejects.toThrow()
    await parent.close() // idempotent
  })

  it('the globalSetup instance can spawn per-file instances', async () => {
    const shared = emulatorClient(inject('emulatorUrl'))
    const mine = await shared.spawn()
    expect((await mine.calls()).requests).toEqual([])
    await mine.shutdown()
  })
})
