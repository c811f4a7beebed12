/**
 * `npm run dev`: the emulator (IAM + DIS) and the gateway under `wrangler dev`, wired together,
 * then a curl that works. Nothing here talks to Huawei Cloud.
 *
 * - The emulator listens on 127.0.0.1:${EMULATOR_PORT:-8788}; the gateway on 127.0.0.1:${PORT:-8787}.
 * - The gateway's upstream settings (endpoints, project, IAM user) are forced to the emulator's
 *   demo world, so a real password in `.dev.vars` is never sent anywhere.
 * - Clients: `GATEWAY_CLIENTS` from `.dev.vars` if you have one (e.g. made with `npm run keygen`),
 *   otherwise a demo client `demo` with the key printed below, allowed on every stream/app.
 * - The printed reset targets a checkpoint the demo world has committed, so its receipt shows a
 *   non-null `previous` and the printed undo has something to restore.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { canonicalPartitionId } from '../emulator/partition-id.ts'
import { defaultSeed } from '../emulator/seed.ts'
import { startEmulator } from '../emulator/server.ts'

const GATEWAY_PORT = Number(process.env.PORT ?? 8787)
const EMULATOR_PORT = Number(process.env.EMULATOR_PORT ?? 8788)
const DEMO_KEY = 'demo-key-for-local-development-only'
/** base64 of "demo-webhook-secret-local-only!!" (32 bytes). */
const DEMO_WEBHOOK_SECRET = 'whsec_ZGVtby13ZWJob29rLXNlY3JldC1sb2NhbC1vbmx5ISE='

function devVarsDefine(name: string): boolean {
  if (!existsSync('.dev.vars')) return false
  return readFileSync('.dev.vars', 'utf8')
    .split('\n')
    .some((line) => line.trimStart().startsWith(`${name}=`))
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('wrangler dev exited before the gateway was ready')
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error('the gateway did not become ready within 60 s')
}

/** The checkpoint the printed commands reset, read and restore. */
const DEMO_TARGET = { stream: 'events', app: 'billing', partition: 7 }

const seed = defaultSeed()
const seeded = seed.checkpoints.find(
  (c) =>
    c.stream_name === DEMO_TARGET.stream &&
    c.app_name === DEMO_TARGET.app &&
    c.partition_id === canonicalPartitionId(DEMO_TARGET.partition)
)
if (!seeded) throw new Error('the emulator seed has no checkpoint for the demo target')
const emulator = await startEmulator({ port: EMULATOR_PORT, seed })
const project = seed.projects[0]
const user = seed.users[0]
if (!project || !user) throw new Error('the emulator seed has no project or user')

const useDemoClient = !devVarsDefine('GATEWAY_CLIENTS')
const vars: Record<string, string> = {
  DIS_ENDPOINT: emulator.url,
  IAM_ENDPOINT: emulator.url,
  DIS_PROJECT_ID: project.id,
  IAM_DOMAIN_NAME: seed.domain.name,
  IAM_USER_NAME: user.name,
  IAM_PASSWORD: user.password,
}
if (useDemoClient) {
  const hash = createHash('sha256').update(DEMO_KEY).digest('hex')
  vars.GATEWAY_CLIENTS = JSON.stringify([
    { id: 'demo', api_key_sha256: [hash], allow: ['*/*'] },
    { id: 'demo-hook', webhook_secrets: [DEMO_WEBHOOK_SECRET], allow: ['*/*'] },
  ])
}

// Secrets go to wrangler the way it expects them (the environment), so its `[secrets] required`
// check sees them; plain vars go as --var.
const SECRET_NAMES = new Set(['IAM_PASSWORD', 'GATEWAY_CLIENTS'])
const secrets = Object.fromEntries(Object.entries(vars).filter(([key]) => SECRET_NAMES.has(key)))
const args = [
  'wrangler',
  'dev',
  '--ip',
  '127.0.0.1',
  '--port',
  String(GATEWAY_PORT),
  '--show-interactive-dev-session=false',
  ...Object.entries(vars)
    .filter(([key]) => !SECRET_NAMES.has(key))
    .flatMap(([key, value]) => ['--var', `${key}:${value}`]),
]
const wrangler = spawn('node_modules/.bin/wrangler', args.slice(1), {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    ...secrets,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  },
  detached: true,
})

async function shutdown(code: number): Promise<never> {
  // Kill the whole process group: killing only the npx wrapper leaves wrangler and workerd running.
  try {
    if (wrangler.pid) process.kill(-wrangler.pid, 'SIGTERM')
  } catch {
    // already gone
  }
  await emulator.close()
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))
wrangler.on('exit', (code) => void shutdown(code ?? 1))

const gateway = `http://127.0.0.1:${GATEWAY_PORT}`
try {
  await waitForHealth(gateway, wrangler)
} catch (error) {
  console.error(String(error))
  await shutdown(1)
}

const key = useDemoClient ? DEMO_KEY : '$API_KEY'
const auth = `-H "Authorization: Bearer ${key}"`
const { stream, app, partition } = DEMO_TARGET
const target = `stream_name=${stream}&app_name=${app}&partition_id=${partition}`
console.log(`
  emulator (IAM + DIS): ${emulator.url}   (counters: curl ${emulator.url}/__emulator/calls)
  gateway:              ${gateway}
  ${useDemoClient ? `demo clients: "demo" (API key ${DEMO_KEY}), "demo-hook" (webhooks)` : 'clients: GATEWAY_CLIENTS from .dev.vars (use your own key as $API_KEY)'}

  Reset partition ${partition} of app "${app}" on stream "${stream}" (committed at "${seeded.sequence_number}"):

    curl -i -X DELETE ${auth} \\
      "${gateway}/v1/checkpoints?${target}"

  The receipt's "previous" shows what was wiped, and its "reset_id" names the ledger entry.

  Read the checkpoint (null after the reset):

    curl -s ${auth} \\
      "${gateway}/v1/checkpoints?${target}"

  List the resets, newest first:

    curl -s ${auth} "${gateway}/v1/resets"

  Undo the reset (commits "${seeded.sequence_number}" back), with the reset_id from the receipt:

    RESET_ID=rst_...   # paste it here
    curl -i -X POST ${auth} "${gateway}/v1/resets/$RESET_ID/undo"

  To see an undo fail with 410 sequence_expired, age the records out first:

    curl -s -X POST ${emulator.url}/__emulator/partitions/range -H 'Content-Type: application/json' \\
      -d '{"stream_name":"${stream}","partition_id":"${partition}","sequence_number_range":[50,150]}'

${
  useDemoClient
    ? `  Or as a webhook sender (Standard Webhooks signature, client "demo-hook"):

    npm run send-webhook -- --url ${gateway} --client demo-hook \\
      --secret ${DEMO_WEBHOOK_SECRET} --stream orders --app billing --partition 2

`
    : ''
}  Ctrl-C stops both.
`)
