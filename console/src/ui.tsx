import { useEffect, useState } from 'hono/jsx/dom'
import type { Problem, Range } from './api'

/**
 * A problem as the gateway said it: title, detail, code and request id, never swallowed. With
 * `Retry-After` the retry button stays disabled until that many seconds have passed.
 */
export function ProblemView(props: { problem: Problem | null; onRetry?: () => void }) {
  const p = props.problem
  const [wait, setWait] = useState(0)
  useEffect(() => {
    setWait(p?.retryAfter ?? 0)
    if (!p?.retryAfter) return
    const started = Date.now()
    const timer = setInterval(() => {
      const left = (p.retryAfter ?? 0) - Math.floor((Date.now() - started) / 1000)
      setWait(Math.max(0, left))
      if (left <= 0) clearInterval(timer)
    }, 250)
    return () => clearInterval(timer)
  }, [p])
  if (!p) return null
  return (
    <div class="problem" role="alert">
      <p class="problem-title">
        {p.status ? `${p.status} · ` : ''}
        {p.title}
      </p>
      {p.detail ? <p class="problem-detail">{p.detail}</p> : null}
      <p class="problem-meta">
        {p.code ? (
          <span>
            code <code>{p.code}</code>
          </span>
        ) : null}
        {p.requestId ? (
          <span>
            request id <code>{p.requestId}</code>
          </span>
        ) : null}
      </p>
      {props.onRetry ? (
        <button type="button" disabled={wait > 0} onClick={props.onRetry}>
          {wait > 0 ? `Retry in ${wait} s` : 'Retry'}
        </button>
      ) : null}
    </div>
  )
}

/** Where `value` sits between range.earliest (0 %) and range.next (100 %), with BigInt. */
export function percentIn(range: Range, value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null
  try {
    const a = BigInt(range.earliest)
    const b = BigInt(range.next)
    const v = BigInt(value)
    if (b <= a) return v >= b ? 100 : 0
    const clamped = v < a ? a : v > b ? b : v
    return Number(((clamped - a) * 10000n) / (b - a)) / 100
  } catch {
    return null
  }
}

/**
 * A bar for one partition's retained range with a marker at the position (and, in a review, a
 * second marker at the new position). Styles go through the CSSOM (hono/jsx sets them with
 * setProperty), which the console's CSP allows without 'unsafe-inline'.
 */
export function RangeBar(props: {
  range: Range | undefined
  at: string | null | undefined
  to?: string | null | undefined
  label: string
}) {
  if (!props.range) return <span class="muted">no range</span>
  const at = percentIn(props.range, props.at)
  const to = props.to === undefined ? undefined : percentIn(props.range, props.to)
  const words =
    `${props.label}: retained ${props.range.earliest} to ${props.range.next}` +
    (at === null ? ', no position' : `, position at ${at.toFixed(0)} %`) +
    (to === undefined ? '' : to === null ? ', new: none' : `, new at ${to.toFixed(0)} %`)
  if (to === undefined) {
    return (
      <div class="bar" role="img" aria-label={words} title={words}>
        {at === null ? null : <span class="fill" style={{ width: `${at}%` }} />}
        {at === null ? null : <span class="mark before" style={{ left: `${at}%` }} />}
      </div>
    )
  }
  // A review: the current position on the upper track, the new one on the lower, so a move of a
  // few records in a long range still shows two distinct markers.
  return (
    <div class="bar pair" role="img" aria-label={words} title={words}>
      <span class="track">
        {at === null ? null : <span class="fill" style={{ width: `${at}%` }} />}
        {at === null ? null : <span class="mark before" style={{ left: `${at}%` }} />}
      </span>
      <span class="track">
        {to === null ? null : <span class="fill after" style={{ width: `${to}%` }} />}
        {to === null ? null : <span class="mark after" style={{ left: `${to}%` }} />}
      </span>
    </div>
  )
}

export function seq(value: string | null | undefined): string {
  return value === null || value === undefined ? '—' : value
}

/** Timestamps are shown in UTC with the zone written out, so nobody has to guess. */
export function when(iso: string | undefined | null): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`
}

export function Badge(props: { value: string | undefined | null }) {
  const v = props.value ?? 'unknown'
  return <span class={`badge badge-${v.replace(/[^a-z_]/g, '')}`}>{v}</span>
}

/** Stream and app names the gateway accepts (README "Parameters"); checked before sending. */
export const NAME = { stream: '^[A-Za-z0-9_\\-]{1,64}$', app: '^[A-Za-z0-9_\\-]{1,50}$' }
