import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROBLEMS } from '../../src/problems'

/**
 * What src/ comments cite and what docs/operations.md tables must stay true to the code. A
 * citation names a document and one of its headings: `README "Heading"` or
 * `docs/x.md "Heading"` (one or more quoted headings after the document's name).
 */
const ROOT = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8')

function sourceFiles(dir: string): string[] {
  return readdirSync(new URL(dir, ROOT), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(`${path}/`)
    return /\.tsx?$/.test(entry.name) ? [path] : []
  })
}

/**
 * Headings of a Markdown file as they may be cited: without `#`s, a leading section number
 * (`3. `) or backticks; `Webhooks: POST /v1/hooks/{client_id}` may also be cited as `Webhooks`.
 */
function headings(path: string): Set<string> {
  const lines = read(path).split('\n')
  return new Set(
    lines.flatMap((line) => {
      const m = /^#{1,6} (?:\d+\. )?(.+?)\s*$/.exec(line)
      if (!m?.[1]) return []
      const heading = m[1].replaceAll('`', '')
      return [heading, heading.split(': ')[0] as string]
    })
  )
}

/** Every `document "Heading"` citation in src/, as `file: document "Heading"`. */
function citations(): { where: string; doc: string; heading: string }[] {
  const found: { where: string; doc: string; heading: string }[] = []
  for (const file of sourceFiles('src/')) {
    // Comments wrap: join lines and drop the comment markers, so a citation may span two lines.
    const text = read(file).replace(/\n\s*(\*|\/\/)\s?/g, ' ')
    for (const m of text.matchAll(/\b(README|docs\/[a-z-]+\.md)((?: "[^"\n]+")+)/g)) {
      const doc = m[1] === 'README' ? 'README.md' : (m[1] as string)
      for (const [, heading] of (m[2] as string).matchAll(/"([^"]+)"/g)) {
        found.push({ where: file, doc, heading: heading as string })
      }
    }
  }
  return found
}

describe('citations and tables in the documentation', () => {
  it('every README / docs citation in src/ names a heading that exists', () => {
    const cited = citations()
    expect(cited.length).toBeGreaterThan(20)
    const dead = cited
      .filter(({ doc, heading }) => !headings(doc).has(heading))
      .map(({ where, doc, heading }) => `${where}: ${doc} "${heading}"`)
    expect(dead).toEqual([])
  })

  it('cites documents that exist, by heading, not by section sign or number', () => {
    const missing = sourceFiles('src/').flatMap((file) =>
      [...read(file).matchAll(/\b(docs\/[a-z-]+\.md|bench\/[A-Z]+\.md)/g)]
        .filter((m) => !existsSync(new URL(m[1] as string, ROOT)))
        .map((m) => `${file}: ${m[1]}`)
    )
    expect(missing).toEqual([])
    const loose = sourceFiles('src/').flatMap((file) =>
      [...read(file).matchAll(/(README|docs\/[a-z-]+\.md) §/g)].map((m) => `${file}: ${m[0]}`)
    )
    expect(loose).toEqual([])
  })

  it('the docs/operations.md problem-code table lists every code of PROBLEMS with its status', () => {
    const doc = read('docs/operations.md')
    const start = doc.indexOf('### What each problem code means for you')
    expect(start).toBeGreaterThan(0)
    const table = doc.slice(start).split('\n\n')[1] ?? ''
    const documented = new Map<string, number[]>()
    for (const [, codes, statuses] of table.matchAll(/^\| (.+?) \| ([\d, ]+) \|/gm)) {
      const allowed = (statuses ?? '').split(',').map((s) => Number(s.trim()))
      for (const [, code] of (codes ?? '').matchAll(/`([a-z_]+)`/g)) {
        documented.set(code as string, allowed)
      }
    }
    expect([...documented.keys()].sort()).toEqual(Object.keys(PROBLEMS).sort())
    const wrong = Object.entries(PROBLEMS)
      .filter(([code, p]) => !documented.get(code)?.includes(p.status))
      .map(([code, p]) => `${code} is ${p.status}`)
    expect(wrong).toEqual([])
  })
})
