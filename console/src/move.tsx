import { useState } from 'hono/jsx/dom'
import { asProblem, call, type MoveAnswer, type Problem } from './api'
import type { ScreenProps } from './main'
import { TargetFields } from './positions'
import { ProblemView, RangeBar, seq, when } from './ui'

type Strategy =
  | 'earliest'
  | 'latest'
  | 'timestamp'
  | 'duration'
  | 'sequence_number'
  | 'shift_by'
  | 'app'
  | 'delete'

const STRATEGIES: [Strategy, string][] = [
  ['duration', 'Rewind by a duration'],
  ['timestamp', 'To a point in time'],
  ['earliest', 'Earliest retained record (replay everything)'],
  ['latest', 'Latest (skip everything retained)'],
  ['sequence_number', 'To a sequence number'],
  ['shift_by', 'Shift by a number of records'],
  ['app', "Copy another app's positions"],
  ['delete', 'Delete the checkpoint'],
]

interface Form {
  all: boolean
  partition: string
  strategy: Strategy
  amount: string
  unit: 'M' | 'H' | 'D'
  time: string
  zone: 'local' | 'utc'
  sequence: string
  shift: string
  otherApp: string
  clamp: boolean
}

const UNIT_MS = { M: 60_000, H: 3_600_000, D: 86_400_000 } as const

const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'this browser'

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** A datetime-local value as RFC 3339 with an explicit offset (the gateway refuses none). */
export function rfc3339(local: string, zone: 'local' | 'utc'): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return null
  const full = local.length === 16 ? `${local}:00` : local
  if (zone === 'utc') return `${full}Z`
  const d = new Date(full)
  if (Number.isNaN(d.getTime())) return null
  const offset = -d.getTimezoneOffset()
  const abs = Math.abs(offset)
  return `${full}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** The `to` of POST /v1/resets, or the reason the form cannot make one. */
function targetOf(f: Form): { to: Record<string, unknown> } | { error: string } {
  switch (f.strategy) {
    case 'earliest':
    case 'latest':
    case 'delete':
      return { to: { type: f.strategy } }
    case 'duration': {
      if (!/^[1-9]\d{0,5}$/.test(f.amount)) return { error: 'The duration is a whole number ≥ 1.' }
      // Sent as the instant it names, fixed when Review is pressed: a `duration` is resolved
      // against "now" again at apply, so on a stream being written to the applied positions
      // would drift from the reviewed ones.
      const ms = Number(f.amount) * UNIT_MS[f.unit]
      return { to: { type: 'timestamp', timestamp: new Date(Date.now() - ms).toISOString() } }
    }
    case 'timestamp': {
      const ts = rfc3339(f.time, f.zone)
      return ts
        ? { to: { type: 'timestamp', timestamp: ts } }
        : { error: 'Choose a date and time.' }
    }
    case 'sequence_number':
      return /^\d{1,19}$/.test(f.sequence)
        ? { to: { type: 'sequence_number', sequence_number: f.sequence } }
        : { error: 'A sequence number is 1–19 digits.' }
    case 'shift_by':
      // Sent as a JSON integer: |n| ≤ 10^15 fits a double exactly.
      return /^[+-]?\d{1,16}$/.test(f.shift) && Math.abs(Number(f.shift)) <= 1e15
        ? { to: { type: 'shift_by', shift_by: Number(f.shift) } }
        : { error: 'Shift by a whole number between −10^15 and 10^15 (negative rewinds).' }
    case 'app':
      return /^[A-Za-z0-9_-]{1,50}$/.test(f.otherApp)
        ? { to: { type: 'app', app_name: f.otherApp } }
        : { error: 'Name the app to copy from.' }
  }
}

/** What the plan moves to, in words; times in UTC with the zone written out. */
function describeTo(to: unknown): string {
  const t = to as { type?: string; timestamp?: string }
  return t.type === 'timestamp' && t.timestamp
    ? ` to the first record written at or after ${when(t.timestamp)}`
    : ''
}

function Review(props: { plan: MoveAnswer; deleting: boolean }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">The plan per partition</caption>
        <thead>
          <tr>
            <th scope="col">Partition</th>
            <th scope="col">Current position → new</th>
            <th scope="col">Committed</th>
            <th scope="col">Before (upper) / after (lower)</th>
            <th scope="col">Record time</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {props.plan.partitions.map((p) => (
            <tr>
              <th scope="row">{p.partition_id}</th>
              <td class="num">
                {seq(p.previous)} →{' '}
                {props.deleting && p.position === null ? 'deleted' : seq(p.position)}
              </td>
              <td class="num">{seq(p.committed)}</td>
              <td>
                <RangeBar range={p.range} at={p.previous} to={p.position} label={p.partition_id} />
              </td>
              <td>{p.evidence?.record_timestamp ? when(p.evidence.record_timestamp) : '—'}</td>
              <td>
                {p.evidence?.clamped_from ? (
                  <span class="warn">clamped from {p.evidence.clamped_from}</span>
                ) : null}
                {p.evidence?.no_record_after ? (
                  <span>no record after that time: latest</span>
                ) : null}
                <span> {p.result}</span>
                {p.code ? <code> {p.code}</code> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** 412: the current checkpoints in the problem body next to what the plan saw. */
function Moved(props: { plan: MoveAnswer; problem: Problem }) {
  const body = props.problem.body as { partitions?: unknown; current?: unknown }
  const list = (Array.isArray(body.partitions) ? body.partitions : body.current) as
    | { partition_id: string; sequence_number?: string | null; previous?: string | null }[]
    | undefined
  if (!Array.isArray(list)) return null
  const planned = new Map(props.plan.partitions.map((p) => [p.partition_id, p.previous]))
  return (
    <ul class="moved" aria-label="What moved since the review">
      {list.map((c) => {
        const now = c.sequence_number ?? c.previous ?? null
        const before = planned.get(c.partition_id) ?? null
        return (
          <li class={now === before ? '' : 'warn'}>
            {c.partition_id}: reviewed at {seq(before)}, now {seq(now)}
            {now === before ? '' : ' (moved)'}
          </li>
        )
      })}
    </ul>
  )
}

export function Move(props: ScreenProps) {
  const [target, setTarget] = useState(props.target)
  const [form, setForm] = useState<Form>({
    all: true,
    partition: '0',
    strategy: 'duration',
    amount: '1',
    unit: 'H',
    time: '',
    zone: 'local',
    sequence: '',
    shift: '-100',
    otherApp: '',
    clamp: false,
  })
  const [step, setStep] = useState<'choose' | 'review' | 'result'>('choose')
  const [plan, setPlan] = useState<{
    body: Record<string, unknown>
    answer: MoveAnswer
    etag: string | null
  } | null>(null)
  const [result, setResult] = useState<MoveAnswer | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch })
  const value = (e: Event) => (e.target as HTMLInputElement).value
  const made = targetOf(form)

  const review = async () => {
    const made = targetOf(form)
    if ('error' in made) return
    props.setTarget(target)
    const body = {
      stream_name: target.stream,
      app_name: target.app,
      partition_id: form.all ? 'all' : form.partition,
      to: made.to,
      out_of_range: form.clamp ? 'clamp' : 'reject',
    }
    setBusy(true)
    setProblem(null)
    try {
      const a = await call<MoveAnswer>(props.apiKey, 'POST', '/v1/resets', {
        body: { ...body, dry_run: true },
      })
      setPlan({ body, answer: a.data, etag: a.etag })
      setStep('review')
    } catch (error) {
      setProblem(asProblem(error))
    } finally {
      setBusy(false)
    }
  }
  const apply = async () => {
    if (!plan) return
    setBusy(true)
    setProblem(null)
    try {
      const a = await call<MoveAnswer>(props.apiKey, 'POST', '/v1/resets', {
        body: plan.body,
        ifMatch: plan.etag ?? undefined,
      })
      setResult(a.data)
      setStep('result')
    } catch (error) {
      const p = asProblem(error)
      // A partial failure still carries the per-partition outcome and the reset id.
      if (Array.isArray(p.body.partitions) && typeof p.body.reset_id === 'string') {
        setResult(p.body as unknown as MoveAnswer)
        setStep('result')
      }
      setProblem(p)
    } finally {
      setBusy(false)
    }
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void review()
  }
  const deleting = form.strategy === 'delete'

  if (step === 'result' && result) {
    return (
      <section>
        <h2>Result</h2>
        <ProblemView problem={problem} />
        <p>
          Status <strong>{result.status ?? '—'}</strong>
          {result.reset_id ? (
            <>
              {' '}
              · reset <a href={`#/history/${result.reset_id}`}>{result.reset_id}</a> (undo it from
              History)
            </>
          ) : null}
        </p>
        <Review plan={result} deleting={deleting} />
        <button type="button" onClick={() => setStep('choose')}>
          New move
        </button>
      </section>
    )
  }
  if (step === 'review' && plan) {
    const moved = problem?.status === 412
    return (
      <section>
        <h2>Review</h2>
        <p class="notice strong">
          Stop your consumers first: a running consumer keeps its position in memory and overwrites
          this move at its next commit. History shows afterwards whether it held.
        </p>
        {deleting ? (
          <p class="notice danger">
            Delete is not "start over": without a checkpoint a consumer starts where it is
            configured to (the DIS Kafka adapter defaults to latest), so it may skip everything
            retained. To replay, move to earliest instead.
          </p>
        ) : null}
        {(plan.answer.warnings ?? []).map((w) => (
          <p class="notice">{w}</p>
        ))}
        <p>
          {target.stream} / {target.app}, partition {String(plan.body.partition_id)}: the gateway's
          dry-run plan{describeTo(plan.body.to)}.
        </p>
        <Review plan={plan.answer} deleting={deleting} />
        <ProblemView problem={problem} />
        {moved ? <Moved plan={plan.answer} problem={problem} /> : null}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setStep('choose')}>
            Back
          </button>
          {moved ? (
            <button type="button" disabled={busy} onClick={() => void review()}>
              Review again
            </button>
          ) : (
            <button
              type="button"
              class={deleting ? 'danger' : ''}
              disabled={busy}
              onClick={() => void apply()}
            >
              {busy ? 'Applying…' : 'Apply'}
            </button>
          )}
        </div>
      </section>
    )
  }
  return (
    <section>
      <form onSubmit={submit}>
        <TargetFields id="move" value={target} onChange={setTarget} />
        <fieldset>
          <legend>Partitions</legend>
          <label class="inline">
            <input
              type="radio"
              name="scope"
              checked={form.all}
              onChange={() => set({ all: true })}
            />
            All partitions
          </label>
          <label class="inline">
            <input
              type="radio"
              name="scope"
              checked={!form.all}
              onChange={() => set({ all: false })}
            />
            One partition
          </label>
          {form.all ? null : (
            <span>
              <label for="move-partition">Partition number</label>
              <input
                id="move-partition"
                inputmode="numeric"
                pattern="\d{1,10}"
                value={form.partition}
                onInput={(e: Event) => set({ partition: value(e) })}
              />
            </span>
          )}
        </fieldset>
        <fieldset>
          <legend>Move to</legend>
          {STRATEGIES.map(([id, label]) => (
            <label class="inline block">
              <input
                type="radio"
                name="strategy"
                value={id}
                checked={form.strategy === id}
                onChange={() => set({ strategy: id })}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <div class="strategy">
          {form.strategy === 'duration' ? (
            <div class="fields">
              <div>
                <label for="move-amount">Rewind by</label>
                <input
                  id="move-amount"
                  inputmode="numeric"
                  value={form.amount}
                  onInput={(e: Event) => set({ amount: value(e) })}
                />
              </div>
              <div>
                <label for="move-unit">Unit</label>
                <select
                  id="move-unit"
                  onChange={(e: Event) => set({ unit: value(e) as Form['unit'] })}
                >
                  <option value="M" selected={form.unit === 'M'}>
                    minutes
                  </option>
                  <option value="H" selected={form.unit === 'H'}>
                    hours
                  </option>
                  <option value="D" selected={form.unit === 'D'}>
                    days
                  </option>
                </select>
              </div>
            </div>
          ) : form.strategy === 'timestamp' ? (
            <div class="fields">
              <div>
                <label for="move-time">Date and time</label>
                <input
                  id="move-time"
                  type="datetime-local"
                  step="1"
                  value={form.time}
                  onInput={(e: Event) => set({ time: value(e) })}
                />
              </div>
              <div>
                <label for="move-zone">Time zone</label>
                <select
                  id="move-zone"
                  onChange={(e: Event) => set({ zone: value(e) as Form['zone'] })}
                >
                  <option value="local" selected={form.zone === 'local'}>
                    {LOCAL_ZONE} (this browser)
                  </option>
                  <option value="utc" selected={form.zone === 'utc'}>
                    UTC
                  </option>
                </select>
              </div>
              <p class="hint">
                Sent as <code>{rfc3339(form.time, form.zone) ?? '…'}</code>: the first record
                written at or after it.
              </p>
            </div>
          ) : form.strategy === 'sequence_number' ? (
            <div>
              <label for="move-seq">Sequence number (the next record the consumer reads)</label>
              <input
                id="move-seq"
                inputmode="numeric"
                value={form.sequence}
                onInput={(e: Event) => set({ sequence: value(e) })}
              />
            </div>
          ) : form.strategy === 'shift_by' ? (
            <div>
              <label for="move-shift">Shift by (negative rewinds)</label>
              <input
                id="move-shift"
                value={form.shift}
                onInput={(e: Event) => set({ shift: value(e) })}
              />
            </div>
          ) : form.strategy === 'app' ? (
            <div>
              <label for="move-other">Copy positions from app</label>
              <input
                id="move-other"
                value={form.otherApp}
                onInput={(e: Event) => set({ otherApp: value(e) })}
              />
            </div>
          ) : form.strategy === 'delete' ? (
            <p class="notice danger">
              Delete may skip data: without a checkpoint the consumer starts where it is configured
              to (the DIS Kafka adapter defaults to latest). To replay, choose earliest.
            </p>
          ) : null}
        </div>
        <label class="inline">
          <input
            type="checkbox"
            checked={form.clamp}
            onChange={() => set({ clamp: !form.clamp })}
          />
          If a target is outside the retained range, clamp it to the nearest end (otherwise refuse)
        </label>
        {'error' in made ? <p class="hint warn">{made.error}</p> : null}
        <div class="actions">
          <button type="submit" disabled={busy || 'error' in made || !target.stream || !target.app}>
            {busy ? 'Planning…' : 'Review'}
          </button>
        </div>
      </form>
      <ProblemView problem={problem} onRetry={() => void review()} />
    </section>
  )
}
