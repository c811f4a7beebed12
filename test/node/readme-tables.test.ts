import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { EnvSchema } from '../../src/config/schema'
import { PROBLEMS } from '../../src/problems'

/**
 * The tables of problem codes (docs/api.md) and configuration names (README) are for people; the code holds
 * the single source (src/problems.ts, src/config/schema.ts). These checks keep the two from
 * drifting apart: a code or setting added, renamed or removed in one place fails here.
 */
function read(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
}

/** The text under `heading` in the document at `path`, up to the next heading of level 2 or 3. */
function section(path: string, heading: string): string {
  const doc = read(path)
  const start = doc.indexOf(`\n${heading}\n`)
  expect(start, `${path} has a "${heading}" section`).toBeGreaterThan(0)
  const rest = doc.slice(start + heading.length + 2)
  const next = rest.search(/\n#{2,3} /)
  return next < 0 ? rest : rest.slice(0, next)
}

describe('the documentation tables match the code', () => {
  it('the docs/api.md Errors table lists every problem code with its status, and nothing else', () => {
    const rows = [...section('docs/api.md', '## Errors').matchAll(/^\| (\d{3}) \| (.+?) \|/gm)]
    const documented = new Map<string, number>()
    for (const [, status, codes] of rows) {
      for (const [, code] of (codes ?? '').matchAll(/`([a-z_]+)`/g)) {
        documented.set(code ?? '', Number(status))
      }
    }
    const expected = new Map(Object.entries(PROBLEMS).map(([code, p]) => [code, p.status]))
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(expected))
  })

  it('the README Configuration table names every setting the gateway reads, and nothing else', () => {
    const names = [
      ...section('README.md', '## Configuration').matchAll(/^\| `([A-Z_]+)` \|/gm),
    ].map((m) => m[1])
    expect(names.sort()).toEqual(Object.keys(EnvSchema.shape).sort())
  })
})
