/** What the numbers were measured on, for RESULTS.md. */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import os from 'node:os'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  workerd: string
}

/** The workerd that Miniflare runs, which may differ from the top-level one. */
function workerdVersion(): string {
  try {
    const fromMiniflare = createRequire(createRequire(import.meta.url).resolve('miniflare'))
    const binary = fromMiniflare('workerd').default as string
    const version = fromMiniflare('workerd/package.json').version as string
    const reported = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
    return `${version} (${reported})`
  } catch {
    return 'unknown'
  }
}

export function describeMachine(): Machine {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    workerd: workerdVersion(),
  }
}
