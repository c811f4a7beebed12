import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { EnvSchema } from '../../src/config/schema'
import { PROBLEMS } from '../../src/problems'

/**
 * The README's tables of problem codes and configuration names are for people; the code holds
 * the single source (src/errors/codes.ts, src/config/schema.ts). These checks keep the two from
 * drifting apart: a code or setting added, renamed or removed in one place fails here.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`)
  expect(start, `README has a "${heading}" section`).toBeGreaterThan(0)
  const rest = readme.slice(start + heading.length + 2)
  const next = rest.search(/\n#{2,3} /)
  return next < 0 ? rest : rest.slice(0, next)
}

describe('README tables match the code', () => {
  it('the Errors table lists every problem code with its status, and nothing else', () => {
    const rows = [...section('### Errors').matchAll(/^\| (\d{3}) \| (.+?) \|/gm)]
    const documented = new Map<string, number>()
    for (const [, status, codes] of rows) {
      for (const [, code] of (codes ?? '').matchAll(/`([a-z_]+)`/g)) {
        documented.set(code ?? '', Number(status))
      }
    }
    const expected = new Map(Object.entries(PROBLEMS).map(([code, p]) => [code, p.status]))
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(expected))
  })

  it('the Configuration table names every setting the gateway reads, and nothing else', () => {
    const names = [...section('## Configuration').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(names.sort()).toEqual(Object.keys(EnvSchema.shape).sort())
  })
})
