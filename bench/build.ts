/**
 * Bundles the workers the way `wrangler deploy` would (`--dry-run --outdir`): the gateway from
 * the project's wrangler.toml, the bare Hono proxy from a small config next to it, so both go
 * through the same bundler with the same settings. The raw passthrough is plain JS, unbundled.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { OUT_DIR, ROOT } from './config.ts'

const run = promisify(execFile)
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js')

export interface Bundle {
  path: string
  rawBytes: number
  gzipBytes: number
}

/** `entry` is the output file name, which wrangler derives from the config's `main`. */
async function dryRunDeploy(outdir: string, entry: string, configPath?: string): Promise<Bundle> {
  const args = [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir]
  if (configPath) args.push('--config', configPath)
  await run(process.execPath, args, {
    cwd: ROOT,
    // Offline and quiet: no telemetry, no banner.
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  })
  const path = join(outdir, entry)
  const code = readFileSync(path)
  return { path, rawBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength }
}

/**
 * Diagnostic copy of the gateway whose console.log does nothing. The log record is still built
 * and serialized (the argument is evaluated before the call); only the runtime's log transport
 * is gone. Under Miniflare each line travels workerd → pipe → Node, while production collects
 * logs outside the request path, so the gap between the two copies is the local transport's
 * share. Never used for a verdict.
 */
function mutedCopy(gateway: Bundle): string {
  const dir = join(OUT_DIR, 'gateway-muted')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, 'index.js')
  const prelude = 'globalThis.console.log = () => {}\n'
  writeFileSync(path, prelude + readFileSync(gateway.path, 'utf8'))
  return path
}

export interface Bundles {
  gateway: Bundle
  hono: Bundle
  /** Plain JS, loaded as is. */
  raw: string
  gatewayMuted: string
}

export async function buildAll(): Promise<Bundles> {
  // Build output lives under the git-ignored bench/.out (biome.json excludes it too).
  const gateway = await dryRunDeploy(join(OUT_DIR, 'gateway'), 'index.js')
  const hono = await dryRunDeploy(
    join(OUT_DIR, 'hono'),
    'hono-proxy.js',
    join(ROOT, 'bench/workers/hono-proxy.toml')
  )
  return {
    gateway,
    hono,
    raw: join(ROOT, 'bench/workers/raw.js'),
    gatewayMuted: mutedCopy(gateway),
  }
}
