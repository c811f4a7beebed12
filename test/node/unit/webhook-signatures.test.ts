import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { githubKey, standardWebhooksKey } from '../../../src/config/parse'
import { verifyGithubSignature, verifyStandardWebhook } from '../../../src/webhooks/signatures'
import vectors from '../../fixtures/standard-webhooks-vectors.json'

const encoder = new TextEncoder()
const [defaultVector, rustVector] = vectors.official_vectors
if (!defaultVector || !rustVector) throw new Error('fixture is missing the official vectors')

function keyOf(secret: string): Uint8Array {
  const key = standardWebhooksKey(secret)
  if (!key) throw new Error(`bad secret ${secret}`)
  return key
}

/** Verifies with the clock frozen at `timestamp + offset` (an injected clock, never Date.now()). */
function verify(options: {
  secret?: string
  keys?: Uint8Array[]
  id?: string | null
  timestamp?: string | null
  signature?: string | null
  payload?: string | Uint8Array
  nowOffset?: number
  base?: typeof defaultVector
}) {
  const base = options.base ?? defaultVector
  const payload = options.payload ?? base?.payload ?? ''
  return verifyStandardWebhook({
    id: options.id === undefined ? (base?.msg_id ?? null) : options.id,
    timestamp: options.timestamp === undefined ? String(base?.timestamp) : options.timestamp,
    signature:
      options.signature === undefined ? (base?.expected_signature ?? null) : options.signature,
    body: typeof payload === 'string' ? encoder.encode(payload) : payload,
    keys: options.keys ?? [keyOf(options.secret ?? base?.secret ?? '')],
    nowSeconds: (base?.timestamp ?? 0) + (options.nowOffset ?? 0),
  })
}

async function hmacB64(secret: string, content: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    keyOf(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(content)))
  return `v1,${btoa(String.fromCharCode(...sig))}`
}

describe('official Standard Webhooks vectors', () => {
  it.each(vectors.official_vectors.map((v) => [v.id, v] as const))(
    '%s verifies',
    async (_id, vector) => {
      expect(await verify({ base: vector })).toMatchObject({ ok: true, deliveryId: vector.msg_id })
    }
  )

  it.each(vectors.official_invalid_signatures.values.map((v) => [v.header, v] as const))(
    'rejects the invalid signature %j',
    async (header, entry) => {
      const base =
        'applies_to' in entry && entry.applies_to === 'sw-sign-rust' ? rustVector : defaultVector
      expect(await verify({ base, signature: header })).toEqual({ ok: false, reason: 'no_match' })
    }
  )
})

describe('official scenarios (relative time, headers, secrets)', () => {
  it.each([
    [0, true],
    [299, true],
    [-299, true],
    [301, false],
    [-301, false],
  ])('a timestamp %ds away from now is accepted: %s', async (offset, accepted) => {
    const ts = String((defaultVector?.timestamp ?? 0) + offset)
    const signature = await hmacB64(
      defaultVector?.secret ?? '',
      `${defaultVector?.msg_id}.${ts}.${defaultVector?.payload}`
    )
    const result = await verify({ timestamp: ts, signature })
    expect(result.ok).toBe(accepted)
    if (!accepted) expect(result).toEqual({ ok: false, reason: 'stale_timestamp' })
  })

  it.each([
    'hello',
    '1614265330abc',
    '1614265330.9',
    '-1614265330',
    '',
    ' 1614265330',
    '1e9',
    '0x60',
  ])('rejects the timestamp %j (plain integer seconds only)', async (timestamp) => {
    const result = await verify({ timestamp })
    expect(result.ok).toBe(false)
  })

  it.each(['id', 'timestamp', 'signature'] as const)(
    'rejects a delivery without the %s header',
    async (header) => {
      expect(await verify({ [header]: null })).toEqual({ ok: false, reason: 'missing_headers' })
    }
  )

  it('accepts a list with one valid v1 among others (rotation) and ignores other versions', async () => {
    for (const entry of vectors.derived_vectors.cases.filter((c) =>
      c.id.startsWith('derived-multi-sig')
    )) {
      const result = await verify({ signature: entry.signature_header ?? null })
      expect(result.ok).toBe(entry.expect === 'accept')
    }
  })

  it('tolerates two signature headers joined by a proxy ("a, b")', async () => {
    expect(
      (
        await verify({
          signature: `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=, ${defaultVector?.expected_signature}`,
        })
      ).ok
    ).toBe(true)
  })

  it('accepts the secret with or without whsec_, and unpadded base64', async () => {
    const bare = (defaultVector?.secret ?? '').slice('whsec_'.length)
    expect((await verify({ secret: bare })).ok).toBe(true)
    for (const entry of vectors.derived_vectors.cases.filter((c) =>
      c.id.startsWith('derived-unpadded-secret')
    )) {
      expect(
        (await verify({ secret: entry.secret, signature: entry.expected_signature ?? null })).ok
      ).toBe(true)
    }
  })

  it('refuses empty and undecodable secrets at configuration time', () => {
    expect(standardWebhooksKey('')).toBeUndefined()
    expect(standardWebhooksKey('whsec_')).toBeUndefined()
    expect(standardWebhooksKey('whsec_not base64!')).toBeUndefined()
    expect(standardWebhooksKey('whsec_c2hvcnQ=')).toBeUndefined() // 5 bytes: too short a key
  })

  it('tries every configured secret (rotation on our side)', async () => {
    const other = keyOf('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD')
    expect((await verify({ keys: [other, keyOf(defaultVector?.secret ?? '')] })).ok).toBe(true)
    expect((await verify({ keys: [other] })).ok).toBe(false)
  })
})

describe('derived vectors', () => {
  it.each(
    vectors.derived_vectors.cases
      .filter(
        (c) => c.expected_signature && !c.id.startsWith('derived-unpadded') && !('msg_id' in c)
      )
      .map((c) => [c.id, c] as const)
  )('%s verifies over the raw bytes', async (_id, entry) => {
    expect(
      (await verify({ payload: entry.payload, signature: entry.expected_signature ?? null })).ok
    ).toBe(true)
  })

  it.each(['derived-tampered-body', 'derived-reserialized-json'])('%s is rejected', async (id) => {
    const entry = vectors.derived_vectors.cases.find((c) => c.id === id)
    expect(
      (await verify({ payload: entry?.payload, signature: entry?.signature_header ?? null })).ok
    ).toBe(false)
  })

  it('rejects an id containing a dot before verifying', async () => {
    const entry = vectors.derived_vectors.cases.find((c) => c.id === 'derived-id-with-dot')
    expect(
      await verify({ id: entry?.msg_id ?? null, signature: entry?.expected_signature ?? null })
    ).toEqual({ ok: false, reason: 'bad_id' })
  })

  it('never accepts a body that differs from the signed one (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
        const same =
          bytes.length === encoder.encode(defaultVector?.payload).length &&
          bytes.every((b, i) => b === encoder.encode(defaultVector?.payload)[i])
        const result = await verify({ payload: bytes })
        expect(result.ok).toBe(same)
      }),
      { numRuns: 200 }
    )
  })

  it('never throws, whatever the headers (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.string()),
        fc.option(fc.string()),
        fc.option(fc.string()),
        async (id, ts, sig) => {
          const result = await verify({ id, timestamp: ts, signature: sig })
          expect(typeof result.ok).toBe('boolean')
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe('GitHub X-Hub-Signature-256', () => {
  const gh = vectors.comparison_vectors.github_x_hub_signature_256
  const key = githubKey(gh.secret_utf8)
  const run = (
    signature: string | null,
    payload = gh.payload,
    deliveryId: string | null = '72d3162e-cc78-11e3-81ab-4c9367dc0958'
  ) =>
    verifyGithubSignature({
      deliveryId,
      signature,
      body: encoder.encode(payload),
      keys: key ? [key] : [],
    })

  it("verifies GitHub's published test vector", async () => {
    expect(await run(gh.expected_header)).toMatchObject({
      ok: true,
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    })
  })

  it.each([
    ['a tampered body', gh.expected_header, 'Hello, World?'],
    ['a wrong prefix', gh.expected_header.replace('sha256=', 'sha1='), gh.payload],
    ['a truncated digest', gh.expected_header.slice(0, -2), gh.payload],
    ['a non-hex digest', `sha256=${'z'.repeat(64)}`, gh.payload],
  ])('rejects %s', async (_what, header, payload) => {
    expect((await run(header, payload)).ok).toBe(false)
  })

  it('requires the delivery id (replays are deduplicated by it)', async () => {
    expect(await run(gh.expected_header, gh.payload, null)).toEqual({
      ok: false,
      reason: 'missing_headers',
    })
  })
})
