// DeleteCheckpoint: docs/upstream.md § DeleteCheckpoint, § DIS error codes,
// test vectors T5–T10.
import { describe, expect, it } from 'vitest'
import { checkpointsUrl, DEMO, fetchToken } from '../../../emulator/demo.ts'
import { ctl, emu, token, useEmulator } from './harness.ts'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any

useEmulator()

const base = { stream_name: 'orders', app_name: 'billing', checkpoint_type: 'LAST_READ' }

function del(query: Record<string, string>, projectId?: string) {
  return fetch(checkpointsUrl(emu.url, query, projectId), {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
  })
}

async function billingPartitions(stream: string): Promise<string[]> {
  return (await ctl.checkpoints())
    .filter((c) => c.stream_name === stream && c.app_name === 'billing')
    .map((c) => c.partition_id)
}

async function expectError(res: Response, status: number, body: unknown) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/json')
  expect(await res.json<Json>()).toEqual(body)
}

describe('DELETE /v2/{project_id}/checkpoints', () => {
  it('T5: canonical partition id → 204, empty body, checkpoint gone', async () => {
    const res = await del({ ...base, partition_id: 'shardId-0000000002' })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(res.headers.get('content-type')).toBeNull()
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    expect(await billingPartitions('orders')).toEqual(['shardId-0000000000', 'shardId-0000000001'])
  })

  it('T6: short partition id behaves like T5', async () => {
    const res = await del({ ...base, partition_id: '2' })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(await billingPartitions('orders')).toEqual(['shardId-0000000000', 'shardId-0000000001'])
  })

  it('T7: without partition_id deletes on all partitions (delete_without_partition: all)', async () => {
    const res = await del(base)
    expect(res.status).toBe(204)
    expect(await billingPartitions('orders')).toEqual([])
    expect(await billingPartitions('events')).toHaveLength(12)
  })

  it('T7 ⚠: delete_without_partition: reject → 400 DIS.4201', async () => {
    await ctl.settings({ delete_without_partition: 'reject' })
    await expectError(await del(base), 400, {
      errorCode: 'DIS.4201',
      message: 'Invalid partition_id. [null]',
    })
    expect(await billingPartitions('orders')).toHaveLength(3)
  })

  it('T8: missing stream → 400 DIS.4301, SDK shape', async () => {
    await expectError(await del({ ...base, stream_name: 'nope', partition_id: '0' }), 400, {
      errorCode: 'DIS.4301',
      message: `Stream does not exist. [nope][${DEMO.projectId}]`,
    })
  })

  it('T8: doc shape (error_shape: doc)', async () => {
    await ctl.settings({ error_shape: 'doc' })
    const res = await del({ ...base, stream_name: 'orders2', partition_id: '0' })
    expect(await res.text()).toBe(
      '{"error_code":"DIS.4301","error_msg":"The stream does not exist. [orders2]"}'
    )
  })

  it('T9: missing app → 400 DIS.4332, both shapes', async () => {
    const query = { ...base, app_name: 'ghost', partition_id: '0' }
    await expectError(await del(query), 400, { errorCode: 'DIS.4332', message: 'app not found.' })
    await ctl.settings({ error_shape: 'doc' })
    await expectError(await del(query), 400, {
      error_code: 'DIS.4332',
      error_msg: 'app not found.',
    })
  })

  it('T10: bad partition id → DIS.4201; beyond the stream → DIS.4302', async () => {
    await expectError(await del({ ...base, partition_id: 'abc' }), 400, {
      errorCode: 'DIS.4201',
      message: 'Invalid partition_id. [abc]',
    })
    await expectError(await del({ ...base, partition_id: 'shardId-0000000099' }), 400, {
      errorCode: 'DIS.4302',
      message: 'Partition does not exist. [orders][shardId-0000000099]',
    })
    await expectError(await del({ ...base, partition_id: '3' }), 400, {
      errorCode: 'DIS.4302',
      message: 'Partition does not exist. [orders][shardId-0000000003]',
    })
  })

  it('documented forms only by default', async () => {
    for (const id of [
      'shardId-2',
      'SHARDID-0000000002',
      '+2',
      '-0',
      ' 2',
      '2 ',
      '',
      'shardId-00000000002',
      '1e0',
      '0x2',
      '٢',
      '2147483648',
    ]) {
      const res = await del({ ...base, partition_id: id })
      expect(res.status, id).toBe(400)
      expect((await res.json<Json>()).errorCode, id).toBe('DIS.4201')
    }
    for (const id of ['002', '00000000002', 'shardId-0000000002']) {
      expect((await del({ ...base, partition_id: id })).status, id).toBe(204)
    }
  })

  it('partition_id_forms: lenient accepts what the Java SDK parser accepts (§ Partition ids)', async () => {
    await ctl.settings({ partition_id_forms: 'lenient' })
    for (const id of ['shardId-1', 'SHARDID-0000000001', 'shardid-+1', '+1', '001']) {
      expect((await del({ ...base, partition_id: id })).status, id).toBe(204)
    }
    expect((await del({ ...base, partition_id: '-0' })).status).toBe(204)
    expect(await billingPartitions('orders')).toEqual(['shardId-0000000002'])
    for (const id of ['-1', 'abc', 'shardId--1', 'shardId-', ' 1', '2147483648', 'shard-1']) {
      const res = await del({ ...base, partition_id: id })
      expect((await res.json<Json>()).errorCode, id).toBe('DIS.4201')
    }
    // lenient: an empty partition_id is treated like an absent one (delete_without_partition)
    expect((await del({ ...base, partition_id: '' })).status).toBe(204)
    expect(await billingPartitions('orders')).toEqual([])
  })

  it('EXPIRED partition → 400 DIS.4319; DELETED partition is still readable', async () => {
    await expectError(await del({ ...base, stream_name: 'mixed', partition_id: '3' }), 400, {
      errorCode: 'DIS.4319',
      message: `Partition is expired. [mixed][${DEMO.projectId}][shardId-0000000003]`,
    })
    expect((await del({ ...base, stream_name: 'mixed', partition_id: '2' })).status).toBe(204)
  })

  it('delete_missing_checkpoint: ok (default) is idempotent; error → DIS.4375', async () => {
    const query = { ...base, partition_id: '1' }
    expect((await del(query)).status).toBe(204)
    expect((await del(query)).status).toBe(204)
    expect((await del({ ...query, app_name: 'audit' })).status).toBe(204)
    await ctl.settings({ delete_missing_checkpoint: 'error' })
    await expectError(await del(query), 400, {
      errorCode: 'DIS.4375',
      message: 'The app does not commit checkpoint',
    })
    expect((await del({ ...query, partition_id: '0' })).status).toBe(204)
  })

  it('checkpoint_type: required and LAST_READ only; checkpoint_type_required: false allows omission', async () => {
    const { checkpoint_type: _, ...noType } = base
    const missing = await del({ ...noType, partition_id: '0' })
    expect(missing.status).toBe(400)
    expect((await missing.json<Json>()).errorCode).toBe('DIS.4200')
    const wrong = await del({ ...base, checkpoint_type: 'LAST_READ2', partition_id: '0' })
    expect((await wrong.json<Json>()).errorCode).toBe('DIS.4200')
    await ctl.settings({ checkpoint_type_required: false })
    expect((await del({ ...noType, partition_id: '0' })).status).toBe(204)
    expect((await del({ ...base, checkpoint_type: 'COMMITTED', partition_id: '1' })).status).toBe(
      400
    )
  })

  it('missing stream_name or app_name → 400 DIS.4200', async () => {
    for (const key of ['stream_name', 'app_name'] as const) {
      const query: Record<string, string> = { ...base, partition_id: '0' }
      delete query[key]
      const res = await del(query)
      expect(res.status).toBe(400)
      expect(await res.json<Json>()).toEqual({
        errorCode: 'DIS.4200',
        message: `Invalid request. [${key} is required]`,
      })
    }
  })

  it('streams of the demo project are invisible from another project', async () => {
    const other = await fetchToken(emu.url, {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: DEMO.userName,
              password: DEMO.password,
              domain: { name: DEMO.domainName },
            },
          },
        },
        scope: { project: { id: DEMO.otherProjectId } },
      },
    })
    const res = await fetch(
      checkpointsUrl(emu.url, { ...base, partition_id: '0' }, DEMO.otherProjectId),
      {
        method: 'DELETE',
        headers: { 'X-Auth-Token': other },
      }
    )
    expect((await res.json<Json>()).errorCode).toBe('DIS.4301')
  })
})
