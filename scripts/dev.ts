/**
 * `npm run dev [-- --dev-vars <file>] [-- --persist-to <dir>]`: the emulator (IAM + DIS) and the
 * gateway under `wrangler dev`, wired together, then commands that work. Nothing here talks to
 * Huawei Cloud. README "Local development" is the user's view of what follows.
 *
 * - The emulator listens on 127.0.0.1:${EMULATOR_PORT:-8788}; the gateway on 127.0.0.1:${PORT:-8787}.
 * - wrangler gets ONE generated env file (`--env-file`, in a private temp directory, deleted on
 *   exit) and no configuration through the process environment: with `--env-file` wrangler reads
 *   neither `.dev.vars` nor `.env` itself, and a value in its environment would override the file.
 * - The file holds the emulator's endpoints, project, IAM user and password (your own values for
 *   those are ignored, with a notice: a real password is never sent anywhere), your
 *   `GATEWAY_CLIENTS` or else the demo clients, and your other settings (`RESET_LEDGER`,
 *   `LEDGER_RETENTION_DAYS`, …) from `.dev.vars`, or `.env` + `.env.local` without one.
 * - The result is checked with the parser the Worker uses (src/config/); if it is invalid, dev
 *   prints the reasons (never a value) and exits 1 before starting wrangler.
 * - The printed reset targets a checkpoint the demo world has committed (so its receipt shows a
 *   non-null `previous` and the printed undo has something to restore) that your client may reset.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import './load-src.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { canonicalPartitionId } from '../emulator/partition-id.ts'
import { demoSeed } from '../emulator/seed.ts'
import { startEmulator } from '../emulator/server.ts'
import { planDevConfig, readDeveloperSettings, toEnvFile } from './dev-config.ts'

const { parseConfig } = await import('../src/config/parse.ts')
const { EnvSchema } = await import('../src/config/schema.ts')
const { isAllowed } = await import('../src/model/client.ts')
const { unstable_readConfig } = await import('wrangler')

const { values: flags } = parseArgs({
  options: {
    /** Your settings file instead of ./.dev.vars (or ./.env). */
    'dev-vars': { type: 'string' },
    /** Where wrangler keeps local Durable Object state (default .wrangler/state). */
    'persist-to': { type: 'string' },
  },
})

const GATEWAY_PORT = Number(process.env.PORT ?? 8787)
const EMULATOR_PORT = Number(process.env.EMULATOR_PORT ?? 8788)
const DEMO_KEY = 'demo-key-for-local-development-only'
/** base64 of "demo-webhook-secret-local-only!!" (32 bytes). */
const DEMO_WEBHOOK_SECRET = 'whsec_ZGVtby13ZWJob29rLXNlY3JldC1sb2NhbC1vbmx5ISE='
/** The checkpoint the printed commands reset, read and restore, when the client may. */
const DEMO_TARGET = { stream: 'events', app: 'billing', partition: 7 }
/** The webhook's, another one, so the two demos do not undo each other's effect. */
const DEMO_HOOK_TARGET = { stream: 'orders', app: 'billing', partition: 2 }
/** A stream of the demo world that is being written to: its ranges and lag move. */
const DEMO_LIVE = { stream: 'payments', app: 'billing' }

function stop(lines: string[]): never {
  for (const line of lines) console.error(`npm run dev: ${line}`)
  process.exit(1)
}

let developer: ReturnType<typeof readDeveloperSettings>
try {
  developer = readDeveloperSettings(flags['dev-vars'])
} catch (error) {
  stop([error instanceof Error ? error.message : String(error)])
}

// The demo world: the tests' streams plus streams whose records keep arriving and aging out, so
// ranges, positions and lag move while you watch (docs/emulator.md "The live demo world").
const seed = demoSeed()
const project = seed.projects[0]
const user = seed.users[0]
if (!project || !user) throw new Error('the emulator seed has no project or user')

const demoHash = createHash('sha256').update(DEMO_KEY).digest('hex')
const plan = planDevConfig({
  tomlVars: Object.fromEntries(
    Object.entries(unstable_readConfig({ config: 'wrangler.jsonc' }).vars).map(([k, v]) => [
      k,
      String(v),
    ])
  ),
  developer: developer.values,
  emulator: {
    DIS_ENDPOINT: `http://127.0.0.1:${EMULATOR_PORT}`,
    IAM_ENDPOINT: `http://127.0.0.1:${EMULATOR_PORT}`,
    DIS_PROJECT_ID: project.id,
    IAM_DOMAIN_NAME: seed.domain.name,
    IAM_USER_NAME: user.name,
    IAM_PASSWORD: user.password,
  },
  demoClients: JSON.stringify([
    { id: 'demo', api_key_sha256: [demoHash], allow: ['*/*'] },
    { id: 'demo-hook', webhook_secrets: [DEMO_WEBHOOK_SECRET], allow: ['*/*'] },
  ]),
  settingNames: Object.keys(EnvSchema.shape),
})
for (const notice of plan.notices) console.log(`npm run dev: ${notice}`)

const parsed = parseConfig(plan.workerEnv)
if (!parsed.ok) {
  const from = developer.sources.length > 0 ? developer.sources.join(', ') : 'wrangler.jsonc'
  stop([`the configuration is invalid (${from}):`, ...parsed.reasons.map((r) => `  ${r}`)])
}
const config = parsed.config

// Private directory (0700) outside the work tree: the file holds the password and the clients.
const envDir = mkdtempSync(join(tmpdir(), 'dis-gateway-dev-'))
const envFile = join(envDir, 'gateway.env')
writeFileSync(envFile, toEnvFile(plan.fileVars), { mode: 0o600 })

const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
}
// wrangler lets its process environment override the env file (dotenv-expand), so a setting
// exported in your shell (say IAM_PASSWORD) would win over the file: dev passes none.
for (const name of Object.keys(EnvSchema.shape)) delete childEnv[name]

const emulator = await startEmulator({ port: EMULATOR_PORT, seed })
// Started with this Node (22), not through the bin's `#!/usr/bin/env node`, which may find an
// older system Node when dev is run outside `npm run`.
const wrangler = spawn(
  process.execPath,
  [
    'node_modules/wrangler/bin/wrangler.js',
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(GATEWAY_PORT),
    '--show-interactive-dev-session=false',
    '--env-file',
    envFile,
    ...(flags['persist-to'] ? ['--persist-to', flags['persist-to']] : []),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'], env: childEnv, detached: true }
)

let stopping = false
async function shutdown(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  // Kill the whole process group: wrangler's bin starts a second node process, which starts
  // workerd; killing only the first leaves the others serving.
  try {
    if (wrangler.pid) process.kill(-wrangler.pid, 'SIGTERM')
  } catch {
    // already gone
  }
  rmSync(envDir, { recursive: true, force: true })
  await emulator.close()
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))
wrangler.on('exit', (code) => void shutdown(code ?? 1))

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('wrangler dev exited before the gateway was ready')
    try {
      const response = await fetch(`${url}/healthz`)
      await response.body?.cancel()
      // 503 means wrangler did not pass on what dev checked: a bug here, not your settings.
      if (response.status === 503) throw new Error('the gateway says its configuration is invalid')
      if (response.ok) return
    } catch (error) {
      if (error instanceof Error && error.message.includes('configuration')) throw error
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error('the gateway did not become ready within 60 s')
}

const gateway = `http://127.0.0.1:${GATEWAY_PORT}`
try {
  await waitForHealth(gateway, wrangler)
} catch (error) {
  console.error(`npm run dev: ${String(error)}`)
  await shutdown(1)
}

/**
 * What the printed commands target: the preferred demo checkpoint if the client may reset it,
 * else another committed one it may, else any stream/app of the demo world it may (partition 0).
 */
function targetFor(
  client: { allow: Parameters<typeof isAllowed>[0] },
  preferred: typeof DEMO_TARGET
) {
  const committed = [
    { stream_name: preferred.stream, app_name: preferred.app, partition: preferred.partition },
    ...seed.checkpoints.map((c) => ({
      stream_name: c.stream_name,
      app_name: c.app_name,
      partition: Number(c.partition_id.replace(/^shardId-0*/, '') || '0'),
    })),
    ...seed.streams.flatMap((stream) =>
      seed.apps.map((app) => ({ stream_name: stream.name, app_name: app, partition: 0 }))
    ),
  ]
  const hit = committed.find((c) => isAllowed(client.allow, c.stream_name, c.app_name))
  if (!hit) return undefined
  const seeded = seed.checkpoints.find(
    (c) =>
      c.stream_name === hit.stream_name &&
      c.app_name === hit.app_name &&
      c.partition_id === canonicalPartitionId(hit.partition)
  )
  return { stream: hit.stream_name, app: hit.app_name, partition: hit.partition, seeded }
}

const bearer = config.clients.find((c) => c.apiKeyHashes.length > 0)
const hook = config.clients.find((c) => c.webhookKeys.length > 0)
const key = plan.ownClients ? '$API_KEY' : DEMO_KEY
const auth = `-H "Authorization: Bearer ${key}"`
const lines: string[] = [
  '',
  `  emulator (IAM + DIS): ${emulator.url}   (counters: curl ${emulator.url}/__emulator/calls)`,
  `  gateway:              ${gateway}`,
  `  console:              ${gateway}/console/   (sign in with ${plan.ownClients ? 'one of your API keys' : `the demo key ${DEMO_KEY}`})`,
  `  settings:             ${developer.sources.length > 0 ? developer.sources.join(' + ') : 'none (wrangler.jsonc defaults)'}; RESET_LEDGER=${config.ledger ? 'on' : 'off'}, RESET_VERIFY_SECONDS=${config.verifySeconds}`,
  plan.ownClients
    ? `  clients:              GATEWAY_CLIENTS from ${developer.sources.join(' + ')}`
    : `  demo clients:         "demo" (API key ${DEMO_KEY}), "demo-hook" (webhooks)`,
  '',
]
const target = bearer ? targetFor(bearer, DEMO_TARGET) : undefined
if (bearer && target) {
  const query = `stream_name=${target.stream}&app_name=${target.app}&partition_id=${target.partition}`
  if (plan.ownClients) {
    lines.push(`  As your client "${bearer.id}" (set API_KEY to one of its keys):`, '')
    lines.push(`    API_KEY=...   # the key whose SHA-256 is in api_key_sha256`, '')
  }
  lines.push(
    `  Reset partition ${target.partition} of app "${target.app}" on stream "${target.stream}" (${target.seeded ? `committed at "${target.seeded.sequence_number}"` : 'no checkpoint yet'}):`,
    '',
    `    curl -i -X DELETE ${auth} \\`,
    `      "${gateway}/v1/checkpoints?${query}"`,
    '',
    config.ledger
      ? `  The receipt's "previous" shows what was wiped, and its "reset_id" names the ledger entry.`
      : `  The receipt's "previous" shows what was wiped. RESET_LEDGER=off: no "reset_id", no undo.`,
    '',
    '  Read the checkpoint (null after the reset):',
    '',
    `    curl -s ${auth} \\`,
    `      "${gateway}/v1/checkpoints?${query}"`,
    ''
  )
  if (config.ledger) {
    lines.push(
      '  List the resets, newest first:',
      '',
      `    curl -s ${auth} "${gateway}/v1/resets"`,
      '',
      `  Undo the reset (${target.seeded ? `commits "${target.seeded.sequence_number}" back` : 'nothing to put back here'}), with the reset_id from the receipt:`,
      '',
      '    RESET_ID=rst_...   # paste it here',
      `    curl -i -X POST ${auth} "${gateway}/v1/resets/$RESET_ID/undo"`,
      '',
      '  To see an undo fail with 410 sequence_expired, age the records out first:',
      '',
      `    curl -s -X POST ${emulator.url}/__emulator/partitions/range -H 'Content-Type: application/json' \\`,
      `      -d '{"stream_name":"${target.stream}","partition_id":"${target.partition}","sequence_number_range":[50,150]}'`,
      ''
    )
  }
}
if (bearer && isAllowed(bearer.allow, DEMO_LIVE.stream, DEMO_LIVE.app)) {
  const live = `stream_name=${DEMO_LIVE.stream}&app_name=${DEMO_LIVE.app}`
  lines.push(
    `  Positions on "${DEMO_LIVE.stream}" (a record every 2 s): each partition's range, where "${DEMO_LIVE.app}" reads next, and its lag:`,
    '',
    `    curl -s ${auth} \\`,
    `      "${gateway}/v1/checkpoints?${live}&partition_id=all"`,
    ''
  )
  if (config.ledger && config.verifySeconds > 0) {
    lines.push(
      `  Watch verification catch a running consumer: start the emulator's live consumer of "${DEMO_LIVE.app}",`,
      `  reset partition 0 while it runs, and ${config.verifySeconds} s later the entry says "overwritten":`,
      '',
      `    curl -s -X POST ${emulator.url}/__emulator/consumers -H 'Content-Type: application/json' \\`,
      `      -d '{"stream_name":"${DEMO_LIVE.stream}","app_name":"${DEMO_LIVE.app}","running":true}'`,
      `    RESET_ID=$(curl -s -X DELETE ${auth} "${gateway}/v1/checkpoints?${live}&partition_id=0" | grep -o 'rst_[a-z2-7]*')`,
      `    sleep ${config.verifySeconds + 1}; curl -s ${auth} "${gateway}/v1/resets/$RESET_ID"`,
      '',
      `  Stop it ("running":false) and reset again: "held".`,
      ''
    )
  }
}
if (bearer && config.ledger && isAllowed(bearer.allow, DEMO_LIVE.stream, DEMO_LIVE.app)) {
  // A time move is planned first (dry run → ETag), then applied only if no checkpoint moved
  // since the plan (If-Match), and undone like a delete (docs/api.md "Moving a checkpoint").
  const rewind = `{"stream_name":"${DEMO_LIVE.stream}","app_name":"${DEMO_LIVE.app}","partition_id":"all","to":{"type":"duration","duration":"PT1H"}`
  const json = `-H 'Content-Type: application/json'`
  lines.push(
    `  Rewind "${DEMO_LIVE.app}" on "${DEMO_LIVE.stream}" by 1 hour: plan it (per partition: current → new position, with the`,
    "  timestamp of the record found), keep the plan's ETag, then apply it only if nothing moved since:",
    '',
    `    curl -s -D /tmp/plan.headers -X POST ${auth} ${json} \\`,
    `      -d '${rewind},"dry_run":true}' "${gateway}/v1/resets"`,
    `    ETAG=$(grep -i '^etag:' /tmp/plan.headers | cut -d' ' -f2 | tr -d '\\r')`,
    `    RESET_ID=$(curl -s -X POST ${auth} ${json} -H "If-Match: $ETAG" \\`,
    `      -d '${rewind}}' "${gateway}/v1/resets" | grep -o 'rst_[a-z2-7]*')`,
    '',
    '  (412 checkpoints_changed instead if a consumer committed after the plan: nothing is changed.)',
    '  Undo the move: every partition gets its previous checkpoint back, metadata included:',
    '',
    `    curl -i -X POST ${auth} "${gateway}/v1/resets/$RESET_ID/undo"`,
    ''
  )
}
if (bearer && !target) {
  lines.push(
    `  Your client "${bearer.id}" may reset none of the emulator's streams (orders, events, big,`,
    '  mixed) for its apps (billing, analytics, audit): add e.g. "events/billing" to its allow.',
    ''
  )
}
const hookTarget = hook ? (hook.target ?? targetFor(hook, DEMO_HOOK_TARGET)) : undefined
if (hook && hookTarget) {
  const t =
    'stream_name' in hookTarget
      ? {
          stream: hookTarget.stream_name,
          app: hookTarget.app_name,
          partition: hookTarget.partition_id.replace(/^shardId-0*(?=\d)/, ''),
        }
      : { stream: hookTarget.stream, app: hookTarget.app, partition: String(hookTarget.partition) }
  const secret = plan.ownClients ? '"$WEBHOOK_SECRET"' : DEMO_WEBHOOK_SECRET
  lines.push(
    `  As a webhook sender (client "${hook.id}", ${hook.signature} signature${plan.ownClients ? '; set WEBHOOK_SECRET to one of its webhook_secrets' : ''}):`,
    '',
    `    npm run send-webhook -- --url ${gateway} --client ${hook.id} --scheme ${hook.signature} \\`,
    `      --secret ${secret} --stream ${t.stream} --app ${t.app} --partition ${t.partition} --id msg_1`,
    '',
    '  Run it again with the same --id: the answer is the first receipt, and no second DELETE',
    '  reaches the emulator (its counters show one).',
    ''
  )
}
lines.push('  Ctrl-C stops both.', '')
console.log(lines.join('\n'))
