// Records, time, cursors and GetRecords: docs/emulator.md § Records and time and § Cursors and
// records (DescribeStream's "[A : B]", GetCursor's five types and errors, GetRecords).
import { describe, expect, it } from 'vitest'
import { checkpointsUrl, DEMO, fetchToken, streamUrl } from '../../../emulator/demo.ts'
import { defaultSeed, demoSeed } from '../../../emulator/seed.ts'
import { ctl, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()

const HOUR = 3_600_000

async function ranges(
  stream = 'orders',
  base = emu.url,
  tok = token
): Promise<Array<string | null>> {
  const res = await fetch(streamUrl(base, stream), { headers: { 'X-Auth-Token': tok } })
  const body = await res.json<Json>()
  return body.partitions.map((p: Json) => p.sequence_number_range)
}

function getCursor(query: Record<string, string>, base = emu.url, tok = token) {
  const qs = new URLSearchParams({ 'stream-name': 'orders', 'partition-id': '0', ...query })
  return fetch(`${base}/v2/${DEMO.projectId}/cursors?${qs}`, { headers: { 'X-Auth-Token': tok } })
}

async function cursor(query: Record<string, string>, base = emu.url, tok = token): Promise<string> {
  const res = await getCursor(query, base, tok)
  const body = await res.json<Json>()
  if (res.status !== 200) throw new Error(JSON.stringify(body))
  return body.partition_cursor
}

function getRecords(query: Record<string, string>, base = emu.url, tok = token) {
  const qs = new URLSearchParams(query)
  return fetch(`${base}/v2/${DEMO.projectId}/records?${qs}`, { headers: { 'X-Auth-Token': tok } })
}

async function error(res: Response): Promise<[number, string, string]> {
  const body = await res.json<Json>()
  return [res.status, body.errorCode, body.message]
}

describe('sequence_number_range from the records', () => {
  it('the default world keeps [0 : 100]; an EXPIRED partition has null', async () => {
    expect(await ranges()).toEqual(['[0 : 100]', '[0 : 100]', '[0 : 100]'])
    expect(await ranges('mixed')).toEqual(['[0 : 100]', '[0 : 100]', '[0 : 100]', null])
  })

  it('appending moves B; trimming moves A; the other partitions stay', async () => {
    const appended = await ctl.appendRecords({ stream_name: 'orders', partition_id: '1', count: 5 })
    expect(appended).toEqual([
      { partition_id: 'shardId-0000000001', sequence_number_range: '[0 : 105]' },
    ])
    const { now } = await ctl.clock()
    await ctl.appendRecords({
      stream_name: 'orders',
      partition_id: '1',
      timestamps: [now, now + 0],
    })
    await ctl.trimRecords({ stream_name: 'orders', partition_id: '1', earliest: '40' })
    expect(await ranges()).toEqual(['[0 : 100]', '[40 : 107]', '[0 : 100]'])
    // A never passes B
    await ctl.trimRecords({ stream_name: 'orders', partition_id: '2', earliest: 500 })
    expect((await ranges())[2]).toBe('[100 : 100]')
  })

  it('records age out after retention_period hours of emulated time', async () => {
    const { now } = await ctl.clock()
    // one record 2 h from now's point of view: it outlives the seeded ones by 2 h
    await ctl.advanceClock(2 * HOUR)
    await ctl.appendRecords({ stream_name: 'orders', partition_id: '0', count: 1 })
    await ctl.advanceClock(23 * HOUR)
    expect(await ranges()).toEqual(['[100 : 101]', '[100 : 100]', '[100 : 100]'])
    expect((await ctl.clock()).now).toBeGreaterThanOrEqual(now + 25 * HOUR)
    await ctl.advanceClock(2 * HOUR)
    expect((await ranges())[0]).toBe('[101 : 101]')
  })

  it('a producer writes as time passes; stopping it freezes B', async () => {
    await ctl.setProducer({ stream_name: 'orders', partition_id: '0', interval_ms: 1000 })
    await ctl.advanceClock(10_500)
    expect((await ranges())[0]).toBe('[0 : 111]')
    await ctl.setProducer({ stream_name: 'orders', partition_id: '0', interval_ms: null })
    await ctl.advanceClock(10_000)
    expect((await ranges())[0]).toBe('[0 : 111]')
  })

  it('bad edits → 400 naming the problem, nothing changes', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${emu.url}/__emulator${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    const { now } = await ctl.clock()
    const back = await post('/records', { stream_name: 'orders', timestamps: [now - HOUR] })
    expect(back.status).toBe(400)
    expect(JSON.stringify(await back.json())).toContain('back in time')
    const future = await post('/records', { stream_name: 'orders', timestamps: [now + HOUR] })
    expect(future.status).toBe(400)
    expect((await post('/records/trim', { stream_name: 'nope', earliest: 1 })).status).toBe(400)
    expect(
      (await post('/records/producer', { stream_name: 'orders', interval_ms: 0 })).status
    ).toBe(400)
    expect(await ranges()).toEqual(['[0 : 100]', '[0 : 100]', '[0 : 100]'])
  })
})

describe('int64 sequence numbers', () => {
  it('a range near 9223372036854775807 round-trips exactly through describe, cursor and records', async () => {
    const seed = defaultSeed()
    seed.streams.push({
      name: 'huge',
      partitions: [
        {
          status: 'ACTIVE',
          sequence_number_range: ['9223372036854775800', '9223372036854775806'],
        },
      ],
    })
    const child = await ctl.spawn(seed)
    try {
      const tok = await fetchToken(child.url)
      expect(await ranges('huge', child.url, tok)).toEqual([
        '[9223372036854775800 : 9223372036854775806]',
      ])
      const at = await cursor(
        {
          'stream-name': 'huge',
          'cursor-type': 'AT_SEQUENCE_NUMBER',
          'starting-sequence-number': '9223372036854775803',
        },
        child.url,
        tok
      )
      const text = await (await getRecords({ 'partition-cursor': at }, child.url, tok)).text()
      // raw text: no float rounding anywhere on the way
      expect(text).toContain('"sequence_number":"9223372036854775803"')
      expect(text).toContain('"sequence_number":"9223372036854775805"')
      expect(text).not.toContain('9223372036854775806"')
      await child.appendRecords({ stream_name: 'huge', count: 1 })
      expect(await ranges('huge', child.url, tok)).toEqual([
        '[9223372036854775800 : 9223372036854775807]',
      ])
      // a sequence number beyond int64 cannot be written
      await expect(child.appendRecords({ stream_name: 'huge', count: 1 })).rejects.toThrow(/int64/)
    } finally {
      await child.shutdown()
    }
  })
})

describe('GET /v2/{project_id}/cursors', () => {
  it('all five cursor types start where upstream says', async () => {
    await ctl.trimRecords({ stream_name: 'orders', partition_id: '0', earliest: 20 })
    const first = async (query: Record<string, string>) => {
      const c = await cursor(query)
      const body = await (await getRecords({ 'partition-cursor': c, limit: '1' })).json<Json>()
      return body.records[0]?.sequence_number ?? 'none'
    }
    expect(await first({ 'cursor-type': 'TRIM_HORIZON' })).toBe('20')
    expect(await first({ 'cursor-type': 'LATEST' })).toBe('none')
    expect(await first({ 'starting-sequence-number': '42' })).toBe('42') // AT is the default
    expect(
      await first({ 'cursor-type': 'AT_SEQUENCE_NUMBER', 'starting-sequence-number': '20' })
    ).toBe('20')
    expect(
      await first({ 'cursor-type': 'AFTER_SEQUENCE_NUMBER', 'starting-sequence-number': '42' })
    ).toBe('43')
    expect(
      await first({ 'cursor-type': 'AFTER_SEQUENCE_NUMBER', 'starting-sequence-number': '19' })
    ).toBe('20')
    // AT_TIMESTAMP: the first record written at or after it (seeded records are 1 s apart)
    const { now } = await ctl.clock()
    const ts = await (async () => {
      const c = await cursor({
        'cursor-type': 'AT_SEQUENCE_NUMBER',
        'starting-sequence-number': '50',
      })
      const body = await (await getRecords({ 'partition-cursor': c, limit: '1' })).json<Json>()
      return body.records[0].timestamp as number
    })()
    expect(ts).toBeLessThanOrEqual(now)
    expect(await first({ 'cursor-type': 'AT_TIMESTAMP', timestamp: String(ts) })).toBe('50')
    expect(await first({ 'cursor-type': 'AT_TIMESTAMP', timestamp: String(ts - 500) })).toBe('50')
    // within retention but before the oldest retained record → A
    expect(await first({ 'cursor-type': 'AT_TIMESTAMP', timestamp: String(now - HOUR) })).toBe('20')
    expect(await first({ 'cursor-type': 'AT_TIMESTAMP', timestamp: String(now + HOUR) })).toBe(
      'none'
    )
  })

  it('AT accepts A…B, AFTER A−1…B−1; outside → DIS.4224 with the bounds in the message', async () => {
    await ctl.trimRecords({ stream_name: 'orders', partition_id: '0', earliest: 20 })
    const at = (n: string, type = 'AT_SEQUENCE_NUMBER') =>
      getCursor({ 'cursor-type': type, 'starting-sequence-number': n })
    expect((await at('20')).status).toBe(200)
    expect((await at('100')).status).toBe(200)
    expect(await error(await at('19'))).toEqual([
      400,
      'DIS.4224',
      'Sequence_number out of range. [19][ should be within ][20][ ][100]',
    ])
    expect(await error(await at('101'))).toEqual([
      400,
      'DIS.4224',
      'Sequence_number out of range. [101][ should be within ][20][ ][100]',
    ])
    expect((await at('19', 'AFTER_SEQUENCE_NUMBER')).status).toBe(200)
    expect((await at('99', 'AFTER_SEQUENCE_NUMBER')).status).toBe(200)
    expect((await error(await at('100', 'AFTER_SEQUENCE_NUMBER')))[1]).toBe('DIS.4224')
    expect((await error(await at('18', 'AFTER_SEQUENCE_NUMBER')))[1]).toBe('DIS.4224')
  })

  it('a timestamp older than retention → DIS.4300 "timestamp is expired, … larger than <ms>"', async () => {
    const { now } = await ctl.clock()
    const res = await getCursor({
      'cursor-type': 'AT_TIMESTAMP',
      timestamp: String(now - 25 * HOUR),
    })
    const [status, code, message] = await error(res)
    expect([status, code]).toEqual([400, 'DIS.4300'])
    const m =
      /^Request error\. \[timestamp is expired, timestamp should be larger than (\d{13})\]$/.exec(
        message
      )
    expect(m).not.toBeNull()
    // the bound is the start of the 24 h retention window
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(now - 24 * HOUR)
    expect(Number(m?.[1])).toBeLessThan(now - 24 * HOUR + 5000)
    // the bound moves with the clock: retrying a second after it works
    const retry = String(Number(m?.[1]) + 1000)
    expect((await getCursor({ 'cursor-type': 'AT_TIMESTAMP', timestamp: retry })).status).toBe(200)
  })

  it('errors: DIS.4215 type, DIS.4216 number, DIS.4201/4302/4319 partition, DIS.4301 stream', async () => {
    expect(await error(await getCursor({ 'cursor-type': 'OLDEST' }))).toEqual([
      400,
      'DIS.4215',
      'Invalid cursor type. [OLDEST]',
    ])
    expect(await error(await getCursor({ 'starting-sequence-number': '-1' }))).toEqual([
      400,
      'DIS.4216',
      'Invalid sequence_number. [-1]',
    ])
    expect((await error(await getCursor({ 'cursor-type': 'AT_SEQUENCE_NUMBER' })))[1]).toBe(
      'DIS.4216'
    )
    expect(
      (await error(await getCursor({ 'cursor-type': 'LATEST', 'partition-id': 'abc' })))[1]
    ).toBe('DIS.4201')
    expect(await error(await getCursor({ 'cursor-type': 'LATEST', 'partition-id': '7' }))).toEqual([
      400,
      'DIS.4302',
      'Partition does not exist. [orders][shardId-0000000007]',
    ])
    expect(
      (
        await error(
          await getCursor({
            'stream-name': 'mixed',
            'partition-id': 'shardId-0000000003',
            'cursor-type': 'LATEST',
          })
        )
      )[1]
    ).toBe('DIS.4319')
    expect(
      (await error(await getCursor({ 'stream-name': 'nope', 'cursor-type': 'LATEST' })))[1]
    ).toBe('DIS.4301')
    const calls = await ctl.calls()
    expect(calls.counts.get_cursor).toBe(7)
  })
})

describe('GET /v2/{project_id}/records', () => {
  it('records carry string sequence numbers, ms timestamps, CreateTime, a key and base64 data', async () => {
    const c = await cursor({ 'starting-sequence-number': '98' })
    const body = await (await getRecords({ 'partition-cursor': c })).json<Json>()
    expect(Object.keys(body)).toEqual(['records', 'next_partition_cursor'])
    expect(body.records).toHaveLength(2)
    const [r] = body.records
    expect(Object.keys(r)).toEqual([
      'partition_key',
      'sequence_number',
      'data',
      'timestamp',
      'timestamp_type',
    ])
    expect(r.sequence_number).toBe('98')
    expect(r.timestamp_type).toBe('CreateTime')
    expect(String(r.timestamp)).toMatch(/^\d{13}$/)
    expect(Buffer.from(r.data, 'base64').length).toBeGreaterThan(0)
    // records are written in order, 1 s apart
    expect(body.records[1].timestamp - r.timestamp).toBe(1000)
    // at B: nothing yet; an appended record then arrives through the same cursor
    const atEnd = await (
      await getRecords({ 'partition-cursor': body.next_partition_cursor })
    ).json<Json>()
    expect(atEnd.records).toEqual([])
    await ctl.appendRecords({ stream_name: 'orders', partition_id: '0', count: 1 })
    const more = await (
      await getRecords({ 'partition-cursor': atEnd.next_partition_cursor })
    ).json<Json>()
    expect(more.records.map((x: Json) => x.sequence_number)).toEqual(['100'])
  })

  it('limit and max_fetch_bytes bound a batch; next_partition_cursor continues after it', async () => {
    const c = await cursor({ 'cursor-type': 'TRIM_HORIZON' })
    const a = await (await getRecords({ 'partition-cursor': c, limit: '3' })).json<Json>()
    expect(a.records.map((x: Json) => x.sequence_number)).toEqual(['0', '1', '2'])
    const b = await (
      await getRecords({ 'partition-cursor': a.next_partition_cursor, limit: '2' })
    ).json<Json>()
    expect(b.records.map((x: Json) => x.sequence_number)).toEqual(['3', '4'])
    const size = Buffer.from(b.records[0].data, 'base64').length
    const c2 = await (
      await getRecords({
        'partition-cursor': b.next_partition_cursor,
        max_fetch_bytes: String(size * 2 + 1),
      })
    ).json<Json>()
    expect(c2.records.map((x: Json) => x.sequence_number)).toEqual(['5', '6'])
    // a record larger than max_fetch_bytes is never returned: empty, and the cursor stays put
    const stuck = await (
      await getRecords({ 'partition-cursor': c2.next_partition_cursor, max_fetch_bytes: '1' })
    ).json<Json>()
    expect(stuck.records).toEqual([])
    const after = await (
      await getRecords({ 'partition-cursor': stuck.next_partition_cursor, limit: '1' })
    ).json<Json>()
    expect(after.records[0].sequence_number).toBe('7')
    expect((await error(await getRecords({ 'partition-cursor': c, limit: '0' })))[1]).toBe(
      'DIS.4200'
    )
  })

  it('empty_record_batches: the next N answers are empty with a valid cursor, then records flow', async () => {
    await ctl.settings({ empty_record_batches: 2 })
    let c = await cursor({ 'starting-sequence-number': '10' })
    const seen: number[] = []
    for (let i = 0; i < 3; i++) {
      const body = await (await getRecords({ 'partition-cursor': c, limit: '1' })).json<Json>()
      seen.push(body.records.length)
      c = body.next_partition_cursor
      if (body.records.length) expect(body.records[0].sequence_number).toBe('10')
    }
    expect(seen).toEqual([0, 0, 1])
    expect((await ctl.settings({})).empty_record_batches).toBe(0)
  })

  it('DIS.4217 invalid cursor, DIS.4225 after 5 minutes, DIS.4226 when its records aged out', async () => {
    expect(await error(await getRecords({}))).toEqual([
      400,
      'DIS.4217',
      'Invalid partition cursor. [null]',
    ])
    expect((await error(await getRecords({ 'partition-cursor': 'not-a-cursor' })))[1]).toBe(
      'DIS.4217'
    )
    const c = await cursor({ 'starting-sequence-number': '10' })
    await ctl.advanceClock(299_000)
    expect((await getRecords({ 'partition-cursor': c })).status).toBe(200)
    await ctl.advanceClock(2_000)
    expect(await error(await getRecords({ 'partition-cursor': c }))).toEqual([
      400,
      'DIS.4225',
      'Expired partition cursor.',
    ])
    const fresh = await cursor({ 'starting-sequence-number': '10' })
    await ctl.trimRecords({ stream_name: 'orders', partition_id: '0', earliest: 50 })
    expect((await error(await getRecords({ 'partition-cursor': fresh })))[1]).toBe('DIS.4226')
  })
})

describe('CommitCheckpoint against the range', () => {
  const commit = (sequence_number: string) =>
    fetch(checkpointsUrl(emu.url, {}), {
      method: 'POST',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        stream_name: 'orders',
        app_name: 'billing',
        checkpoint_type: 'LAST_READ',
        partition_id: '0',
        sequence_number,
      }),
    })

  it("commit_range 'at' (default) accepts A…B; 'after' A−1…B−1; 'off' anything", async () => {
    await ctl.trimRecords({ stream_name: 'orders', partition_id: '0', earliest: 20 })
    expect((await commit('20')).status).toBe(201)
    expect((await commit('100')).status).toBe(201)
    expect(await error(await commit('19'))).toEqual([
      400,
      'DIS.4224',
      'Sequence_number out of range. [19][ should be within ][20][ ][100]',
    ])
    await ctl.settings({ commit_range: 'after' })
    expect((await commit('19')).status).toBe(201)
    expect(await error(await commit('100'))).toEqual([
      400,
      'DIS.4224',
      'Sequence_number out of range. [100][ should be within ][19][ ][99]',
    ])
    await ctl.settings({ commit_range: 'off' })
    expect((await commit('5')).status).toBe(201)
    const stored = (await ctl.checkpoints()).find(
      (c) =>
        c.stream_name === 'orders' &&
        c.partition_id === 'shardId-0000000000' &&
        c.app_name === 'billing'
    )
    expect(stored?.sequence_number).toBe('5')
  })
})

describe('control: clock', () => {
  it('offset and advance move emulated now; reset puts it back', async () => {
    const before = await ctl.clock()
    expect(before.offset_ms).toBe(0)
    const moved = await ctl.advanceClock(HOUR)
    expect(moved.offset_ms).toBe(HOUR)
    expect((await ctl.setClockOffset(-5)).offset_ms).toBe(-5)
    await ctl.reset()
    expect((await ctl.clock()).offset_ms).toBe(0)
  })
})

describe('demoSeed (npm run emulator)', () => {
  it('ranges move as producers write and records age out; ledger crosses 2^53 exactly', async () => {
    const child = await ctl.spawn(demoSeed())
    try {
      const tok = await fetchToken(child.url)
      expect(await ranges('orders', child.url, tok)).toEqual([
        '[0 : 100]',
        '[0 : 100]',
        '[0 : 100]',
      ])
      // half a minute on: clear of the records' exact write times
      await child.advanceClock(30_000)
      // 3 h at one record per 2 s (+15 since), all within 24 h retention
      expect((await ranges('payments', child.url, tok))[0]).toBe('[1204331 : 1209746]')
      // 26 h at one a minute under 24 h retention: the first 120 have aged out
      expect((await ranges('clicks', child.url, tok))[0]).toBe('[48330 : 49770]')
      await child.advanceClock(60_000)
      expect((await ranges('payments', child.url, tok))[0]).toBe('[1204331 : 1209776]')
      expect((await ranges('clicks', child.url, tok))[0]).toBe('[48331 : 49771]')
      // 2^53 = 9007199254740992; one record per 5 s
      expect((await ranges('ledger', child.url, tok))[0]).toBe(
        '[9007199254740392 : 9007199254741000]'
      )
    } finally {
      await child.shutdown()
    }
  })
})
