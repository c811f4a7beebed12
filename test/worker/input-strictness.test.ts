import { beforeAll, describe, expect, it } from 'vitest'
import { standardWebhookHeaders } from '../../scripts/webhook-signing.ts'
import { API_KEYS, sha256Hex } from '../support/fixtures'
import { problemOf, startPureProxy, type TestGateway } from '../support/gateway'
import { NON_PLAIN_JSON_NUMBERS, OUT_OF_RANGE_PARTITION_IDS } from '../support/inputs'
import { registerSecret } from '../support/log-capture'

/**
 * Inputs that a lax reader would turn into a *different* request (README "Parameters"): partition
 * numbers past 32 bits, JSON numbers that only round to an integer, and duplicated JSON keys.
 * Each must be a 400 `invalid_request` before anything is sent upstream — not even an IAM call.
 */

const SECRETS: Record<string, string> = {
  hook: 'whsec_aW5wdXQtc3RyaWN0bmVzcy1zZWNyZXQtMzItYnl0ZXM=',
  fixed: 'whsec_Zml4ZWQtdGFyZ2V0LXN0cmljdG5lc3Mtc2VjcmV0LTMy',
}
for (const secret of Object.values(SECRETS)) registerSecret(secret)

let gw: TestGateway
let counter = 0

beforeAll(async () => {
  gw = await startPureProxy({
    clients: [
      { id: 'ops', api_key_sha256: [await sha256Hex(API_KEYS.ops)], allow: ['*/*'] },
      { id: 'hook', webhook_secrets: [SECRETS.hook], allow: ['*/*'] },
      {
        id: 'fixed',
        webhook_secrets: [SECRETS.fixed],
        allow: ['orders/billing'],
        target: { stream_name: 'orders', app_name: 'billing', partition_id: 1 },
      },
    ],
  })
})

/** POST the exact bytes of `body` (never re-serialised), signed for `client`. */
async function deliver(body: string, client = 'hook') {
  const headers = await standardWebhookHeaders({
    secret: SECRETS[client] ?? '',
    id: `msg_strict_${Date.now()}_${++counter}`,
    timestamp: Math.floor(Date.now() / 1000),
    body,
  })
  return gw.request(`/v1/hooks/${client}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

/** A 400 invalid_request, and the emulator (IAM and DIS) saw no request at all. */
async function expectRefusedLocally(send: () => Promise<Response>) {
  await gw.emulator.resetCalls()
  const response = await send()
  const problem = await problemOf(response)
  expect(response.status, JSON.stringify(problem)).toBe(400)
  expect(problem.code).toBe('invalid_request')
  expect((await gw.emulator.calls()).requests).toHaveLength(0)
  return problem
}

/** The partition ids DIS was asked to delete since the last reset of the counters. */
async function deletedPartitions(): Promise<string[]> {
  const { requests } = await gw.emulator.calls()
  return requests
    .filter((r) => r.route === 'delete_checkpoint')
    .flatMap((r) => r.query.partition_id ?? [])
}

const flat = (partition: string) =>
  `{"stream_name":"orders","app_name":"billing","partition_id":${partition}}`
const envelope = (data: string) =>
  `{"type":"checkpoint.reset","timestamp":"2026-11-28T00:00:00Z","data":${data}}`

describe('partition numbers are 32-bit', () => {
  it.each(OUT_OF_RANGE_PARTITION_IDS)('DELETE ?partition_id=%s is refused', async (partition) => {
    const problem = await expectRefusedLocally(() =>
      gw.reset(
        { stream_name: 'orders', app_name: 'billing', partition_id: partition },
        API_KEYS.ops
      )
    )
    expect(problem.errors).toEqual([
      { field: 'partition_id', message: expect.stringContaining('2147483647') },
    ])
  })

  it.each(['2147483648', '"2147483648"', '"shardId-2147483648"', '9999999999', '4294967296'])(
    'a webhook with partition_id %s is refused',
    async (partition) => {
      await expectRefusedLocally(() => deliver(flat(partition)))
      await expectRefusedLocally(() => deliver(envelope(flat(partition))))
    }
  )

  it('2147483647 itself is accepted in every form and sent upstream canonically', async () => {
    await gw.emulator.resetCalls()
    const query = { stream_name: 'orders', app_name: 'billing' }
    const answers = [
      await gw.reset({ ...query, partition_id: '2147483647' }, API_KEYS.ops),
      await gw.reset({ ...query, partition_id: 'shardId-2147483647' }, API_KEYS.ops),
      await deliver(flat('2147483647')),
      await deliver(flat('"shardId-2147483647"')),
    ]
    // The emulated stream has no such partition: DIS says so, after the gateway asked.
    for (const answer of answers) expect((await problemOf(answer)).code).toBe('partition_not_found')
    expect(await deletedPartitions()).toEqual(Array(4).fill('shardId-2147483647'))
  })
})

describe('a JSON partition_id number must be written as plain digits', () => {
  it.each(NON_PLAIN_JSON_NUMBERS)(
    'partition_id %s is refused, flat and in the envelope',
    async (number) => {
      for (const body of [flat(number), envelope(flat(number))]) {
        const problem = await expectRefusedLocally(() => deliver(body))
        expect(problem.errors).toEqual([
          {
            field: body === flat(number) ? 'partition_id' : 'data.partition_id',
            message: expect.stringContaining('plain digits'),
          },
        ])
      }
    }
  )

  it('partition_id 2 (plain digits) is accepted', async () => {
    await gw.emulator.resetCalls()
    expect((await deliver(flat('2'))).status).toBe(200)
    expect((await deliver(envelope(flat('0')))).status).toBe(200)
    expect(await deletedPartitions()).toEqual(['shardId-0000000002', 'shardId-0000000000'])
  })

  it('a client with a fixed target ignores such numbers in the event it is sent', async () => {
    await gw.emulator.resetCalls()
    const event = '{"alert":"lag","value":2.5,"partition_id":2.0,"data":{"partition_id":1e0}}'
    expect((await deliver(event, 'fixed')).status).toBe(200)
    expect(await deletedPartitions()).toEqual(['shardId-0000000001'])
  })
})

describe('a JSON object that names a member twice is refused', () => {
  it.each([
    [
      'stream_name at the top level',
      '{"stream_name":"orders","app_name":"billing","partition_id":2,"stream_name":"events"}',
      'stream_name',
    ],
    [
      'partition_id at the top level',
      '{"stream_name":"orders","app_name":"billing","partition_id":2,"partition_id":3}',
      'partition_id',
    ],
    [
      'app_name spelled with an escape',
      '{"stream_name":"orders","app_name":"billing","\\u0061pp_name":"audit","partition_id":2}',
      'app_name',
    ],
    [
      'stream_name inside data',
      envelope('{"stream_name":"orders","app_name":"billing","partition_id":2,"stream_name":"x"}'),
      'data.stream_name',
    ],
    [
      'data in the envelope',
      `{"type":"t","timestamp":"1","data":${flat('1')},"data":${flat('2')}}`,
      'data',
    ],
  ])('%s', async (_case, body, field) => {
    const problem = await expectRefusedLocally(() => deliver(body))
    expect(problem.errors).toEqual([{ field, message: 'is given more than once' }])
  })

  it('also for a client with a fixed target (the body must still be JSON)', async () => {
    await expectRefusedLocally(() => deliver('{"action":"opened","action":"closed"}', 'fixed'))
  })

  it('the same key in different objects is fine', async () => {
    await gw.emulator.resetCalls()
    const event = `{"list":[{"k":1},{"k":2}],"k":{"k":3}}`
    expect((await deliver(event, 'fixed')).status).toBe(200)
    expect(await deletedPartitions()).toEqual(['shardId-0000000001'])
  })
})
