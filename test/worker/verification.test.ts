import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'
import { capturedLogLines } from '../support/log-capture'

/**
 * "Did it hold?" (docs/api.md "Safety net"): RESET_VERIFY_SECONDS after a reset's answer the
 * gateway re-reads each partition it reset and records `verification` in the ledger entry. The
 * emulator's live consumer stands in for a running Huawei DIS Kafka adapter, which overwrites a
 * reset at its next commit. Each test has an emulator of its own; entries are told apart by id.
 */

const AUTH = { Authorization: `Bearer ${API_KEYS.ops}` }

/** Sends the DELETE and returns the answer as soon as it arrives, and the background's end. */
async function resetNow(gw: TestGateway, query: Record<string, string>) {
  const ctx = createExecutionContext()
  const response = await gw.app.fetch(
    new Request(`https://gateway.test/v1/checkpoints?${new URLSearchParams(query)}`, {
      method: 'DELETE',
      headers: AUTH,
    }),
    gw.bindings,
    ctx
  )
  return { response, background: waitOnExecutionContext(ctx) }
}

async function entryOf(gw: TestGateway, resetId: string) {
  const response = await gw.request(`/v1/resets/${resetId}`, { headers: AUTH })
  expect(response.status).toBe(200)
  return (await response.json()) as {
    verification: {
      checked_at: string
      status: string
      partitions: { partition_id: string; sequence_number: string | null }[]
    } | null
  }
}

const showCalls = async (gw: TestGateway) =>
  (await gw.emulator.routes()).filter((route) => route === 'show_checkpoint').length

describe('verification after a reset', () => {
  it('a running consumer overwrites the reset: overwritten, with a reset_overwritten warn line; the answer came before the re-read', async () => {
    // 2 s: at the test policy's 2 s deadline, so the re-read and the ledger write run after the
    // request's own deadline, as they always do in production (8 s deadline, 10 s delay).
    const gw = await startGateway({ bindings: { RESET_VERIFY_SECONDS: '2' } })
    const target = { stream_name: 'orders', app_name: 'billing' }
    await gw.emulator.setCheckpoints([{ ...target, partition_id: '0', sequence_number: '7' }])
    await gw.emulator.setConsumer({ ...target, running: true, delay_ms: 300 })

    const { response, background } = await resetNow(gw, { ...target, partition_id: '0' })
    expect(response.status).toBe(200)
    const receipt = (await response.json()) as { reset_id: string; previous: unknown }
    expect(receipt.previous).toEqual([{ partition_id: 'shardId-0000000000', sequence_number: '7' }])
    // Answered with only the snapshot read done: the verification read comes later.
    expect(await showCalls(gw)).toBe(1)
    await background
    expect(await showCalls(gw)).toBe(2)

    const entry = await entryOf(gw, receipt.reset_id)
    expect(entry.verification).toMatchObject({
      status: 'overwritten',
      partitions: [{ partition_id: 'shardId-0000000000', sequence_number: '7' }],
    })
    expect(Date.parse(entry.verification?.checked_at ?? '')).not.toBeNaN()
    const line = capturedLogLines()
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((l) => l.msg === 'reset_overwritten' && l.reset_id === receipt.reset_id)
    expect(line).toMatchObject({ level: 'warn', partitions: ['shardId-0000000000'] })
  })

  it('with the consumer stopped the reset holds', async () => {
    const gw = await startGateway({ bindings: { RESET_VERIFY_SECONDS: '1' } })
    const target = { stream_name: 'orders', app_name: 'analytics' }
    await gw.emulator.setCheckpoints([{ ...target, partition_id: '0', sequence_number: '7' }])
    await gw.emulator.setConsumer({ ...target, running: false, delay_ms: 300 })

    const response = await gw.reset({ ...target, partition_id: '0' }, API_KEYS.ops)
    expect(response.status).toBe(200)
    const { reset_id } = (await response.json()) as { reset_id: string }
    expect((await entryOf(gw, reset_id)).verification).toMatchObject({
      status: 'held',
      partitions: [{ partition_id: 'shardId-0000000000', sequence_number: null }],
    })
    expect(
      capturedLogLines().some((l) => l.includes('reset_overwritten') && l.includes(reset_id))
    ).toBe(false)
  })

  it('a re-read that fails is unknown, and the answer is the same 200 receipt', async () => {
    const gw = await startGateway({ bindings: { RESET_VERIFY_SECONDS: '1' } })
    const target = { stream_name: 'orders', app_name: 'audit' }
    await gw.emulator.setCheckpoints([{ ...target, partition_id: '0', sequence_number: '7' }])
    // The snapshot read passes; every later read (the verification's, with its retries) fails.
    await gw.emulator.addFault({
      route: 'show_checkpoint',
      skip: 1,
      status: 500,
      error_code: 'DIS.5000',
    })

    const response = await gw.reset({ ...target, partition_id: '0' }, API_KEYS.ops)
    expect(response.status).toBe(200)
    const { reset_id } = (await response.json()) as { reset_id: string }
    await gw.emulator.clearFaults()
    expect((await entryOf(gw, reset_id)).verification).toMatchObject({
      status: 'unknown',
      partitions: [],
    })
  })

  it('no verification for a dry run, with RESET_VERIFY_SECONDS=0, or with the ledger off', async () => {
    const cases: { dry: boolean; rest: Record<string, string> }[] = [
      { dry: true, rest: { RESET_VERIFY_SECONDS: '1' } },
      { dry: false, rest: { RESET_VERIFY_SECONDS: '0' } },
      { dry: false, rest: { RESET_VERIFY_SECONDS: '1', RESET_LEDGER: 'off' } },
    ]
    for (const { dry, rest } of cases) {
      const gw = await startGateway({ bindings: rest })
      const target = { stream_name: 'orders', app_name: 'billing' }
      await gw.emulator.setCheckpoints([{ ...target, partition_id: '0', sequence_number: '7' }])
      const query = { ...target, partition_id: '0', ...(dry ? { dry_run: 'true' } : {}) }
      const response = await gw.reset(query, API_KEYS.ops)
      expect(response.status).toBe(200)
      const { reset_id } = (await response.json()) as { reset_id?: string }
      // One snapshot read at most (none with the ledger off), never a second one.
      expect(await showCalls(gw)).toBe(rest.RESET_LEDGER === 'off' ? 0 : 1)
      if (reset_id) expect((await entryOf(gw, reset_id)).verification).toBeNull()
    }
  })

  it('the re-reads count in the subrequest budget: partition_id=all covers fewer partitions', async () => {
    const query = { stream_name: 'events', app_name: 'billing', partition_id: 'all' }
    // 12 partitions, L = 40: (40 − 5) / 3 = 11 with verification, (40 − 5) / 2 = 17 without.
    const on = await startGateway({
      bindings: { RESET_VERIFY_SECONDS: '1', WORKERS_SUBREQUEST_LIMIT: '40' },
    })
    const refused = await on.reset(query, API_KEYS.ops)
    expect(refused.status).toBe(400)
    const problem = await problemOf(refused)
    expect(problem).toMatchObject({ partition_count: 12, max_partitions_per_call: 11 })
    expect(problem.detail).toContain('3 upstream calls per partition')
    expect(await showCalls(on)).toBe(0)

    const off = await startGateway({
      bindings: { RESET_VERIFY_SECONDS: '0', WORKERS_SUBREQUEST_LIMIT: '40' },
    })
    expect((await off.reset(query, API_KEYS.ops)).status).toBe(200)
  })
})
