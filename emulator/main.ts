// CLI: `node emulator/main.ts [--port 8788] [--host 127.0.0.1]` (env EMULATOR_PORT also works).
import { parseArgs } from 'node:util'
import { demoSeed } from './seed.ts'
import { startEmulator } from './server.ts'

const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string' } },
  strict: true,
})

const portText = values.port ?? process.env.EMULATOR_PORT ?? '8788'
const port = Number(portText)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${portText}`)
  process.exit(2)
}

const seed = demoSeed()
const emu = await startEmulator({ port, host: values.host ?? '127.0.0.1', seed })
const project = seed.projects[0]
const user = seed.users[0]
console.log(`emulator listening on ${emu.url}`)
console.log(
  [
    `  project   ${project?.id} (${project?.name})`,
    `  domain    ${seed.domain.name} (${seed.domain.id})`,
    `  user      ${user?.name} / ${user?.password} (${user?.id})`,
    `  streams   ${seed.streams.map((s) => `${s.name}[${typeof s.partitions === 'number' ? s.partitions : s.partitions.length}]`).join(', ')}`,
    `  apps      ${seed.apps.join(', ')}`,
    `  IAM       POST ${emu.url}/v3/auth/tokens?nocatalog=true`,
    `  DIS       ${emu.url}/v2/${project?.id}/…`,
    `  control   ${emu.url}/__emulator/… (see docs/emulator.md)`,
  ].join('\n')
)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  emu.close().then(
    () => process.exit(0),
    () => process.exit(1)
  )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
