/**
 * `npm run console:build`: bundles the operator console (console/src) into public/console/, the
 * Workers Static Assets directory, and prints its JS + CSS size gzipped (README "Operator
 * console": the budget is 60 KiB). The output is not committed; wrangler's custom build and the
 * npm scripts that need it run this first.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, '..', 'public', 'console')
/** The console's own JavaScript + CSS, gzipped. */
export const BUDGET_BYTES = 60 * 1024

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
await build({
  entryPoints: [join(here, 'src', 'main.tsx'), join(here, 'src', 'console.css')],
  entryNames: 'console',
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'hono/jsx/dom',
  legalComments: 'none',
  logLevel: 'warning',
})
copyFileSync(join(here, 'index.html'), join(out, 'index.html'))

const sizes = ['console.js', 'console.css'].map((name) => {
  const bytes = readFileSync(join(out, name))
  return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
})
const total = sizes.reduce((sum, s) => sum + s.gzip, 0)
for (const s of sizes) console.log(`console:build ${s.name} ${s.raw} B, ${s.gzip} B gzip`)
console.log(`console:build JS + CSS ${total} B gzip (budget ${BUDGET_BYTES} B)`)
if (total > BUDGET_BYTES) {
  console.error('console:build: over the 60 KiB gzip budget')
  process.exit(1)
}
