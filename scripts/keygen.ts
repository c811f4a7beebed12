/**
 * `npm run keygen -- --id <client> --allow <stream/app> [--allow …] [--webhook [--github]]
 *    [--rotate <old sha256 | old secret | JSON entry>]`
 *
 * Makes a client credential and prints, once, the credential and the GATEWAY_CLIENTS entry to
 * add, with the exact steps (docs/operations.md walks through them):
 * - API clients: a random key `dcg_` + base64url(32 bytes); the entry holds its SHA-256 only.
 * - `--webhook`: a Standard Webhooks secret `whsec_` + base64(32 bytes); `--github`: a random
 *   text secret for GitHub-style signatures. The gateway needs the secret itself to check
 *   signatures, so the entry holds it and is itself a secret.
 * - `--rotate`: the same entry with the new credential added in front of the old one, so both
 *   work until the old one is removed (no downtime).
 *
 * Ids and allow patterns are checked with the gateway's own config schema (src/config/schema.ts).
 */
import { createHash, randomBytes } from 'node:crypto'
import './load-src.ts'
import { parseArgs } from 'node:util'
import { newStandardWebhookSecret } from './webhook-signing.ts'

const { ClientSchema } = await import('../src/config/schema.ts')
const { ALLOW_PATTERN } = await import('../src/model/client.ts')

const USAGE = `usage: npm run keygen -- --id <client> --allow <stream/app> [--allow …]
                      [--webhook [--github]] [--rotate <old sha256 | old secret | JSON entry>]`
const SHA256_HEX = /^[0-9a-f]{64}$/

type Entry = Record<string, unknown> & { id: string; allow: string[] }
type Kind = 'api' | 'standard-webhooks' | 'github'

function fail(message: string): never {
  console.error(`keygen: ${message}\n${USAGE}`)
  process.exit(2)
}

function parse() {
  try {
    return parseArgs({
      options: {
        id: { type: 'string' },
        allow: { type: 'string', multiple: true },
        webhook: { type: 'boolean', default: false },
        github: { type: 'boolean', default: false },
        rotate: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    fail((error as Error).message)
  }
}

function checkId(id: string): string {
  if (!ClientSchema.shape.id.safeParse(id).success)
    fail(`--id ${JSON.stringify(id)} must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lowercase)`)
  return id
}

function checkAllow(patterns: string[]): string[] {
  if (patterns.length === 0) fail('give at least one --allow stream/app (no pattern, no access)')
  for (const pattern of patterns) {
    if (!ALLOW_PATTERN.test(pattern))
      fail(
        `--allow ${JSON.stringify(pattern)}: must be stream/app, each * or a name with an optional trailing *`
      )
  }
  return patterns
}

/** A new credential of the given kind. 32 random bytes each (256 bits). */
function newCredential(kind: Kind): string {
  if (kind === 'standard-webhooks') return newStandardWebhookSecret()
  const random = randomBytes(32).toString('base64url')
  return kind === 'api' ? `dcg_${random}` : random
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

/** The existing entry to rotate: a JSON entry as is, or one built around an old hash/secret. */
function rotatedFrom(old: string, values: ReturnType<typeof parse>): { entry: Entry; kind: Kind } {
  if (old.trimStart().startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(old)
    } catch {
      fail('--rotate: the entry is not valid JSON')
    }
    const parsed = ClientSchema.safeParse(json)
    if (!parsed.success)
      fail(`--rotate: not a valid GATEWAY_CLIENTS entry (${parsed.error.issues[0]?.message})`)
    const entry = json as Entry
    if (values.id !== undefined && values.id !== entry.id) fail('--id differs from the entry’s id')
    if (values.allow) fail('--allow cannot change an entry while rotating; edit allow separately')
    const webhook = values.webhook || !Array.isArray(entry.api_key_sha256)
    const kind: Kind = !webhook
      ? 'api'
      : entry.signature === 'github'
        ? 'github'
        : 'standard-webhooks'
    return { entry, kind }
  }
  const id = checkId(values.id ?? fail('--rotate with a hash or secret needs --id and --allow'))
  const allow = checkAllow(values.allow ?? [])
  if (!values.webhook) {
    if (!SHA256_HEX.test(old))
      fail('--rotate: give the old key’s SHA-256 (64 lowercase hex) or the JSON entry')
    return { entry: { id, api_key_sha256: [old], allow }, kind: 'api' }
  }
  const kind: Kind = values.github ? 'github' : 'standard-webhooks'
  const signature = kind === 'github' ? { signature: 'github' } : {}
  return { entry: { id, webhook_secrets: [old], ...signature, allow }, kind }
}

/** The entry with `credential` added (in front, keeping the old ones for a rotation). */
function withCredential(entry: Entry, kind: Kind, credential: string): Entry {
  const field = kind === 'api' ? 'api_key_sha256' : 'webhook_secrets'
  const value = kind === 'api' ? sha256Hex(credential) : credential
  const existing = Array.isArray(entry[field]) ? (entry[field] as string[]) : []
  // Key order as in the README: id, credentials, signature, target, allow.
  const { id, allow, api_key_sha256, webhook_secrets, signature, target, ...rest } = entry
  const result: Entry = {
    id,
    ...(api_key_sha256 ? { api_key_sha256 } : {}),
    ...(webhook_secrets ? { webhook_secrets } : {}),
    [field]: [value, ...existing],
    ...(signature ? { signature } : {}),
    ...(target ? { target } : {}),
    ...rest,
    allow,
  }
  const parsed = ClientSchema.safeParse(result)
  if (!parsed.success)
    fail(`internal: the entry does not parse (${parsed.error.issues[0]?.message})`)
  return result
}

/** Example names for the try-it commands: exact allow halves, else placeholders. */
function exampleTarget(allow: string[]): { stream: string; app: string } {
  const [stream = '*', app = '*'] = (allow[0] ?? '*/*').split('/')
  return {
    stream: stream.includes('*') ? '<stream>' : stream,
    app: app.includes('*') ? '<app>' : app,
  }
}

function print(entry: Entry, kind: Kind, credential: string, rotating: boolean): void {
  const line = JSON.stringify(entry)
  const { stream, app } = exampleTarget(entry.allow)
  const api = kind === 'api'
  const what = api ? 'hash' : 'secret'
  const out: string[] = api
    ? [
        `New API key for client "${entry.id}". It is shown only this once: store it in your`,
        'secret manager now and hand it to the client over a secure channel. It cannot be',
        'recovered: the gateway keeps only its SHA-256.',
      ]
    : [
        `New ${kind === 'github' ? 'GitHub-style' : 'Standard Webhooks'} secret for webhook client "${entry.id}". Store it in your`,
        `secret manager now and configure it at the sender${kind === 'github' ? ' (the webhook\'s "Secret" field)' : ''}.`,
      ]
  out.push('', `    ${credential}`, '')
  out.push(
    api
      ? "GATEWAY_CLIENTS entry. It holds the key's SHA-256, not the key:"
      : 'GATEWAY_CLIENTS entry. The gateway needs the secret itself to check signatures, so this\n' +
          'entry CONTAINS THE SECRET: treat the whole GATEWAY_CLIENTS value as a secret.'
  )
  if (rotating) out.push(`(Rotation: the new ${what} comes first, the old one is kept.)`)
  out.push(
    '',
    `    ${line}`,
    '',
    'Next steps:',
    rotating
      ? `  1. Replace the "${entry.id}" entry of your GATEWAY_CLIENTS array with the one above.`
      : '  1. Add the entry to your GATEWAY_CLIENTS array (a JSON array of every client).',
    '  2. Production: npx wrangler secret put GATEWAY_CLIENTS',
    '     and paste the WHOLE array on one line: [{…other clients…},{…this entry…}].',
    '     The secret is replaced as a whole: a client left out loses access.',
    '  3. Local development: one line in .dev.vars (git-ignored) with the whole array, e.g.',
    `     GATEWAY_CLIENTS='[${line}]'`,
    '     then: npm run dev'
  )
  if (api) {
    out.push(
      '  4. Call the gateway with the key in $API_KEY (locally this resets the emulator):',
      '     curl -i -X DELETE -H "Authorization: Bearer $API_KEY" \\',
      `       "http://127.0.0.1:8787/v1/checkpoints?stream_name=${stream}&app_name=${app}&partition_id=0"`
    )
  } else {
    out.push(
      '  4. Send a signed test delivery with the secret in $WEBHOOK_SECRET:',
      `     npm run send-webhook -- --url http://127.0.0.1:8787 --client ${entry.id} \\`,
      `       --secret "$WEBHOOK_SECRET"${kind === 'github' ? ' --scheme github' : ''} --stream ${stream} --app ${app} --partition 0`,
      `     Senders POST to https://<your gateway>/v1/hooks/${entry.id}`
    )
  }
  if (rotating) {
    out.push(
      `  5. Once the ${api ? 'client uses the new key' : 'sender signs with the new secret'}, remove the old ${what} (the second`,
      '     one) from the entry and put the array again (steps 2 and 3).'
    )
  }
  console.log(out.join('\n'))
}

const values = parse()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
if (values.github && !values.webhook) fail('--github goes with --webhook')

const { entry, kind } =
  values.rotate !== undefined
    ? rotatedFrom(values.rotate, values)
    : {
        entry: {
          id: checkId(values.id ?? fail('--id is required')),
          allow: checkAllow(values.allow ?? []),
          ...(values.github ? { signature: 'github' } : {}),
        },
        kind: (values.webhook
          ? values.github
            ? 'github'
            : 'standard-webhooks'
          : 'api') satisfies Kind as Kind,
      }
const credential = newCredential(kind)
print(withCredential(entry, kind, credential), kind, credential, values.rotate !== undefined)
