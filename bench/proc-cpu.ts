/**
 * Worker CPU time of a workerd process, all its threads: the scheduler's own nanosecond run
 * time (/proc/<pid>/task/<tid>/schedstat, first field), summed over the threads, so a single
 * cold request's CPU is measurable too; where schedstat is missing, utime + stime from
 * /proc/<pid>/stat (clock ticks, 10 ms each: fine over thousands of requests only). workerd's
 * threads live as long as the process, so the sum over live threads is the process's CPU.
 * Miniflare spawns workerd as a direct child of this Node process, so a new Miniflare's workerd
 * is the child that was not there before. Linux only; elsewhere the CPU figures are NaN.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** Fields after the `(comm)` part of /proc/<pid>/stat; comm may contain spaces. */
function statFields(pid: number): { comm: string; rest: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const open = stat.indexOf('(')
    const close = stat.lastIndexOf(')')
    return { comm: stat.slice(open + 1, close), rest: stat.slice(close + 2).split(' ') }
  } catch {
    return undefined
  }
}

/** Pids of this process's live children named workerd. */
export function workerdChildren(): Set<number> {
  const found = new Set<number>()
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return found
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue
    const fields = statFields(Number(entry))
    // rest[0] is the state, rest[1] the parent pid.
    if (fields?.comm === 'workerd' && Number(fields.rest[1]) === process.pid) {
      found.add(Number(entry))
    }
  }
  return found
}

/** Nanoseconds every live thread of `pid` has run, from schedstat; undefined when unavailable. */
function schedstatNanos(pid: number): number | undefined {
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return undefined
  }
  let total = 0
  for (const tid of tids) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return Number.isFinite(total) && total > 0 ? total : undefined
}

/** CPU microseconds the process has used so far (user + system, every thread), or NaN. */
export function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  const nanos = schedstatNanos(pid)
  if (nanos !== undefined) return nanos / 1000
  const fields = statFields(pid)
  if (!fields) return Number.NaN
  // utime and stime are fields 14 and 15 of stat, i.e. rest[11] and rest[12].
  const ticks = Number(fields.rest[11]) + Number(fields.rest[12])
  return (ticks * 1_000_000) / clockTicks()
}
