/**
 * `npm run openapi`: regenerates public/openapi.json, the document that `GET /openapi.json`
 * serves, from the route table and the route schemas (scripts/openapi/).
 *
 * Why at build time, and why the generator lives in scripts/: zod's JSON Schema converter and
 * the generator add ~18 KB gzip to the Worker. The finished document is not in the bundle either:
 * it is a static asset (wrangler.jsonc `assets`, headers in public/_headers), since a 73 KB
 * literal is evaluated on every cold start (bench/RESULTS.md, cold start).
 * test/node/openapi-document.test.ts fails while the committed file differs from a fresh build.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import './load-src.ts'

const OUTPUT = 'public/openapi.json'
const { buildOpenApiDocument } = await import('./openapi/document.ts')
writeFileSync(OUTPUT, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`)
// Formatted as biome wants it, so `npm run lint` passes on the generated file as committed.
const biome = spawnSync('node_modules/.bin/biome', ['format', '--write', OUTPUT], {
  stdio: 'inherit',
})
if (biome.status !== 0) process.exit(biome.status ?? 1)
console.log(`wrote ${OUTPUT}`)
