import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * The import rule of src/ (docs/development.md "Project map"): capabilities are stacked, and an import may only
 * point DOWN the stack. Capabilities on the same level are siblings and never import each other;
 * files inside one folder import each other freely (but not in a cycle).
 */
const LAYERS: readonly (readonly string[])[] = [
  ['log.ts'],
  ['problems.ts'],
  ['lib'],
  ['model'],
  ['config'],
  ['upstream'],
  ['token', 'ledger', 'webhooks'],
  ['reset'],
  ['http'],
  ['routes'],
  ['app.ts'],
  ['index.ts'],
]

const SRC = resolve(import.meta.dirname, '../../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The capability a file belongs to: its top folder under src/, or its own name at the top. */
const unitOf = (file: string) => relative(SRC, file).split('/')[0] as string
const levelOf = (unit: string) => LAYERS.findIndex((level) => level.includes(unit))

function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  return importedFiles
    .map((i) => i.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name))
    .map((path) => (/\.(ts|json)$/.test(path) ? path : `${path}.ts`))
}

const files = sourceFiles(SRC)
const graph = new Map(files.map((file) => [file, importsOf(file)]))

describe('src/ import rule', () => {
  it('every file belongs to a capability on the stack', () => {
    const homeless = files.map(unitOf).filter((unit) => levelOf(unit) < 0)
    expect([...new Set(homeless)]).toEqual([])
  })

  it('imports point down the stack; siblings never import each other', () => {
    const violations = [...graph].flatMap(([from, targets]) =>
      targets
        .filter((to) => unitOf(to) !== unitOf(from) && levelOf(unitOf(to)) >= levelOf(unitOf(from)))
        .map((to) => `${relative(SRC, from)} -> ${relative(SRC, to)}`)
    )
    expect(violations).toEqual([])
  })

  it('only http/, routes/ and app.ts run Hono code (a type from it is no code)', () => {
    const outside = files
      .filter((file) => !['http', 'routes', 'app.ts'].includes(unitOf(file)))
      .filter((file) =>
        /^import (?!type )[^\n]*from '(hono|@hono\/)/m.test(readFileSync(file, 'utf8'))
      )
      .map((file) => relative(SRC, file))
    expect(outside).toEqual([])
  })

  it('has no import cycle between files', () => {
    const state = new Map<string, 'open' | 'done'>()
    const cycles: string[] = []
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'open') {
        cycles.push(
          [...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> ')
        )
        return
      }
      state.set(file, 'open')
      for (const to of graph.get(file) ?? []) visit(to, [...path, file])
      state.set(file, 'done')
    }
    for (const file of files) visit(file, [])
    expect(cycles).toEqual([])
  })
})
