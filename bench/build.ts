/**
 * Bundles the workers the way `wrangler deploy` would (`--dry-run --outdir`): the gateway from
 * the project's wrangler.jsonc, the bare Hono worker from a small config next to it, so both go
 * through the same bundler with the same settings. The raw passthrough is plain JS, unbundled.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
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
async function dryRunDeploy(
  outdir: string,
  entry: string,
  configPath?: string,
  minify?: boolean
): Promise<Bundle> {
  const args = [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir]
  if (configPath) args.push('--config', configPath)
  if (minify === false) args.push('--minify=false')
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

export interface Bundles {
  /** The gateway as deployed: sizes, and the Miniflare rate-limiter diagnostic. */
  gateway: Bundle
  /** What the gateway cases load: the same bundle behind bench/workers/gateway-entry.js. */
  gatewayEntry: { entry: string; bundle: string }
  hono: Bundle
  /** Plain JS, loaded as is. */
  raw: Bundle
  /**
   * Cold-start probe: the raw passthrough with the OpenAPI document inlined as a JS object
   * literal, as the bundler inlines the gateway's JSON import, so spawn → listening minus the raw
   * passthrough's is what compiling and evaluating the document costs a cold start.
   */
  openapiProbe: Bundle
}

/** bench/workers/raw.js plus `public/openapi.json` as a module-level literal. */
function openapiProbe(rawSource: string): Bundle {
  const dir = join(OUT_DIR, 'openapi-probe')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, 'probe.js')
  const json = readFileSync(join(ROOT, 'public/openapi.json'), 'utf8')
  const code = `${rawSource}\nconst openapi_generated_default = ${json.trim()};\nglobalThis.__benchOpenapi = openapi_generated_default;\n`
  writeFileSync(path, code)
  return { path, rawBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).byteLength }
}

/** The unmodified bundle as gateway.js next to the bench entry (see gateway-entry.js). */
function withBenchEntry(gateway: Bundle): Bundles['gatewayEntry'] {
  const dir = join(OUT_DIR, 'gateway-bench')
  mkdirSync(dir, { recursive: true })
  const entry = join(dir, 'entry.js')
  const bundle = join(dir, 'gateway.js')
  copyFileSync(join(ROOT, 'bench/workers/gateway-entry.js'), entry)
  copyFileSync(gateway.path, bundle)
  return { entry, bundle }
}

/** `minify: false` overrides the configs' `minify` (bench/profile.ts wants function names). */
export async function buildAll(options: { minify?: false } = {}): Promise<Bundles> {
  // Build output lives under the git-ignored bench/.out (biome.json excludes it too).
  const [gateway, hono] = await Promise.all([
    dryRunDeploy(join(OUT_DIR, 'gateway'), 'index.js', undefined, options.minify),
    dryRunDeploy(
      join(OUT_DIR, 'hono'),
      'hono-proxy.js',
      join(ROOT, 'bench/workers/hono-proxy.toml'),
      options.minify
    ),
  ])
  const rawPath = join(ROOT, 'bench/workers/raw.js')
  const raw = readFileSync(rawPath)
  return {
    gateway,
    gatewayEntry: withBenchEntry(gateway),
    hono,
    raw: { path: rawPath, rawBytes: raw.byteLength, gzipBytes: gzipSync(raw).byteLength },
    openapiProbe: openapiProbe(raw.toString()),
  }
}
