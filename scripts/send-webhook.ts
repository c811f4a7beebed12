/**
 * `npm run send-webhook -- --url http://127.0.0.1:8787 --client ci --secret whsec_… \
 *    --stream orders --app billing --partition 7 [--scheme github] [--id msg_…] [--body '{…}']`
 *
 * Sends one correctly signed delivery to `POST {url}/v1/hooks/{client}` and prints the answer —
 * the tool to test a webhook setup end to end. Send the same `--id` twice to see replay
 * protection answer from memory.
 */
import { parseArgs } from 'node:util'
import { githubHeaders, standardWebhookHeaders } from './webhook-signing.ts'

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8787' },
    client: { type: 'string' },
    secret: { type: 'string' },
    scheme: { type: 'string', default: 'standard-webhooks' },
    stream: { type: 'string' },
    app: { type: 'string' },
    partition: { type: 'string' },
    id: { type: 'string' },
    body: { type: 'string' },
  },
})

function fail(message: string): never {
  console.error(`send-webhook: ${message}`)
  process.exit(2)
}

if (!values.client) fail('--client is required')
if (!values.secret) fail('--secret is required (the webhook secret configured for the client)')
if (values.scheme !== 'standard-webhooks' && values.scheme !== 'github')
  fail('--scheme must be standard-webhooks or github')
const body =
  values.body ??
  (values.stream && values.app && values.partition !== undefined
    ? JSON.stringify({
        stream_name: values.stream,
        app_name: values.app,
        partition_id: values.partition,
      })
    : fail('give --stream, --app and --partition, or a raw --body'))

const id =
  values.id ??
  (values.scheme === 'github'
    ? crypto.randomUUID()
    : `msg_${crypto.randomUUID().replaceAll('-', '')}`)
const headers =
  values.scheme === 'github'
    ? await githubHeaders({ secret: values.secret, id, body })
    : await standardWebhookHeaders({
        secret: values.secret,
        id,
        timestamp: Math.floor(Date.now() / 1000),
        body,
      })

const url = `${values.url.replace(/\/+$/, '')}/v1/hooks/${encodeURIComponent(values.client)}`
console.log(`POST ${url}\ndelivery id: ${id}\n${body}\n`)
try {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  })
  console.log(`HTTP ${response.status}`)
  for (const name of ['content-type', 'x-request-id', 'retry-after']) {
    const value = response.headers.get(name)
    if (value) console.log(`${name}: ${value}`)
  }
  console.log(`\n${await response.text()}`)
  process.exit(response.ok ? 0 : 1)
} catch (error) {
  fail(`could not reach ${url}: ${String(error)}`)
}
