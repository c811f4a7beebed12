import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { API_KEYS } from '../support/fixtures'
import { problemOf, startGateway, type TestGateway } from '../support/gateway'

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'
let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})

async function expectRejected(rawQuery: string, field?: string) {
  await gw.emulator.resetCalls()
  const response = await gw.reset(rawQuery, API_KEYS.ops)
  expect(response.status).toBe(400)
  const problem = await problemOf(response)
  expect(problem.code).toBe('invalid_request')
  expect(problem.errors).toBeInstanceOf(Array)
  if (field) expect((problem.errors as { field: string }[]).map((e) => e.field)).toContain(field)
  const { counts } = await gw.emulator.calls()
  expect(counts.iam_token + counts.delete_checkpoint).toBe(0)
  return problem
}

const ok = 'stream_name=events&app_name=billing'

describe('partition_id', () => {
  it.each([
    ['0', 'shardId-0000000000'],
    ['7', 'shardId-0000000007'],
    ['007', 'shardId-0000000007'],
    ['2', 'shardId-0000000002'],
    ['shardId-2', 'shardId-0000000002'],
    ['shardId-0000000002', 'shardId-0000000002'],
  ])('accepts %s and sends %s upstream', async (input, canonical) => {
    await gw.emulator.resetCalls()
    const response = await gw.reset(`${ok}&partition_id=${encodeURIComponent(input)}`, API_KEYS.ops)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { partitions: string[] }).partitions).toEqual([canonical])
    const { requests } = await gw.emulator.calls()
    expect(
      requests.filter((r) => r.route === 'delete_checkpoint').map((r) => r.query.partition_id)
    ).toEqual([[canonical]])
  })

  it.each([
    ['empty', 'partition_id='],
    ['plus sign (decoded to a space)', 'partition_id=+7'],
    ['encoded plus', 'partition_id=%2B7'],
    ['minus', 'partition_id=-7'],
    ['exponent', 'partition_id=1e3'],
    ['hex', 'partition_id=0x1'],
    ['decimal point', 'partition_id=7.0'],
    ['leading space', 'partition_id=%207'],
    ['trailing newline', 'partition_id=7%0A'],
    ['NUL', 'partition_id=7%00'],
    ['lower-case prefix', 'partition_id=shardid-7'],
    ['upper-case prefix', 'partition_id=SHARDID-7'],
    ['11 digits', 'partition_id=12345678901'],
    ['prefix with 11 digits', 'partition_id=shardId-12345678901'],
    ['Arabic-Indic digit', 'partition_id=%D9%A3'],
    ['fullwidth digit', 'partition_id=%EF%BC%97'],
    ['fullwidth prefix', 'partition_id=%EF%BD%93hardId-7'],
    ['double-encoded', 'partition_id=%2537'],
    ['invalid escape', 'partition_id=%ZZ'],
    ['missing', ''],
  ])('rejects %s with a message naming the accepted forms', async (_name, part) => {
    const problem = await expectRejected(`${ok}&${part}`, 'partition_id')
    const message = (problem.errors as { field: string; message: string }[]).find(
      (e) => e.field === 'partition_id'
    )?.message
    expect(message).toMatch(/required|1-10 ASCII digits.*shardId-/)
  })
})

describe('names and parameters', () => {
  it.each([
    [
      'stream_name with &',
      'stream_name=a%26app_name%3Devil&app_name=billing&partition_id=1',
      'stream_name',
    ],
    [
      'stream_name with /',
      'stream_name=..%2F..%2Fx&app_name=billing&partition_id=1',
      'stream_name',
    ],
    [
      'stream_name with CRLF',
      'stream_name=orders%0D%0AX-Evil:1&app_name=billing&partition_id=1',
      'stream_name',
    ],
    [
      'stream_name with Kelvin sign',
      'stream_name=%E2%84%AAelvin&app_name=billing&partition_id=1',
      'stream_name',
    ],
    [
      'stream_name of 65 characters',
      `stream_name=${'s'.repeat(65)}&app_name=billing&partition_id=1`,
      'stream_name',
    ],
    ['empty stream_name', 'stream_name=&app_name=billing&partition_id=1', 'stream_name'],
    [
      'app_name of 51 characters',
      `stream_name=orders&app_name=${'a'.repeat(51)}&partition_id=1`,
      'app_name',
    ],
    ['app_name with a dot', 'stream_name=orders&app_name=bill.ing&partition_id=1', 'app_name'],
    ['missing app_name', 'stream_name=orders&partition_id=1', 'app_name'],
    ['a typo in a parameter name', `${ok}&partiton_id=1&partition_id=1`, 'partiton_id'],
    ['an unknown parameter', `${ok}&partition_id=1&project_id=other`, 'project_id'],
    ['a repeated partition_id', `${ok}&partition_id=1&partition_id=2`, 'partition_id'],
    ['a repeated stream_name', `${ok}&stream_name=events&partition_id=1`, 'stream_name'],
    [
      'another checkpoint_type',
      `${ok}&partition_id=1&checkpoint_type=LAST_COMMIT`,
      'checkpoint_type',
    ],
  ])('rejects %s', async (_name, query, field) => {
    await expectRejected(query, field)
  })

  it('accepts stream and app names at their maximum lengths', async () => {
    const response = await gw.reset(
      { stream_name: 's'.repeat(64), app_name: 'a'.repeat(50), partition_id: '0' },
      API_KEYS.ops
    )
    // Valid input reaches DIS, which does not know this stream.
    expect(response.status).toBe(404)
    expect((await problemOf(response)).code).toBe('stream_not_found')
  })

  it('accepts checkpoint_type=LAST_READ', async () => {
    const response = await gw.reset(`${ok}&partition_id=1&checkpoint_type=LAST_READ`, API_KEYS.ops)
    expect(response.status).toBe(200)
  })

  it('echoes an unknown parameter name escaped and truncated', async () => {
    const problem = await expectRejected(`${ok}&partition_id=1&${'x'.repeat(200)}%0A=1`)
    const fields = (problem.errors as { field: string }[]).map((e) => e.field)
    expect(fields.every((f) => f.length <= 80 && !f.includes('\n'))).toBe(true)
  })
})

describe('properties: whatever the caller sends', () => {
  const keys = fc.constantFrom(
    'stream_name',
    'app_name',
    'partition_id',
    'checkpoint_type',
    'partiton_id',
    'host',
    'project_id',
    'dry_run',
    'x'
  )
  const values = fc.oneof(
    fc.constantFrom(
      'orders',
      'billing',
      '1',
      '07',
      'shardId-2',
      'LAST_READ',
      '',
      '..',
      'a&b=c',
      '%2F',
      'all',
      'ALL',
      'true',
      'false'
    ),
    fc.stringMatching(/^[0-9]{1,12}$/),
    fc.string({ unit: 'binary', maxLength: 12 })
  )
  const queries = fc.array(fc.tuple(keys, values), { maxLength: 6 })

  it('either answers 400 with zero upstream calls, or sends exactly the fixed request upstream', async () => {
    await fc.assert(
      fc.asyncProperty(queries, async (pairs) => {
        const search = new URLSearchParams(pairs).toString()
        await gw.emulator.resetCalls()
        const response = await gw.reset(search, API_KEYS.ops)
        const { counts, requests } = await gw.emulator.calls()
        if (response.status === 400) {
          expect(counts.iam_token + counts.delete_checkpoint).toBe(0)
          return
        }
        // Anything not rejected was well-formed; DIS may still not know the stream/app (404).
        expect([200, 404]).toContain(response.status)
        const deletes = requests.filter((r) => r.route === 'delete_checkpoint')
        const sent = new URLSearchParams(search)
        const dryRun = sent.get('dry_run') === 'true'
        if (dryRun) expect(deletes).toHaveLength(0)
        // A 404 may come from the snapshot (ShowCheckpoint) before any DELETE: the ledger is on.
        else if (sent.get('partition_id') !== 'all' && response.status === 200)
          expect(deletes).toHaveLength(1)
        else if (sent.get('partition_id') !== 'all') expect(deletes.length).toBeLessThanOrEqual(1)
        for (const call of deletes) {
          expect(call.method).toBe('DELETE')
          expect(call.path).toBe(`/v2/${PROJECT}/checkpoints`)
          expect(Object.keys(call.query).sort()).toEqual([
            'app_name',
            'checkpoint_type',
            'partition_id',
            'stream_name',
          ])
          expect(Object.values(call.query).every((v) => v.length === 1)).toBe(true)
          expect(call.query.partition_id?.[0]).toMatch(/^shardId-[0-9]{10}$/)
          expect(call.query.stream_name?.[0]).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
          expect(call.query.checkpoint_type).toEqual(['LAST_READ'])
        }
        for (const call of requests.filter((r) => r.route === 'describe_stream')) {
          expect(call.method).toBe('GET')
          expect(call.path).toMatch(new RegExp(`^/v2/${PROJECT}/streams/[A-Za-z0-9_-]{1,64}$`))
        }
      }),
      { numRuns: 150 }
    )
  })
})
