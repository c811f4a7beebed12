import { useEffect, useState } from 'hono/jsx/dom'
import { asProblem, call, type LedgerEntry, type Problem, query, type UndoRecord } from './api'
import type { ScreenProps } from './main'
import { TargetFields } from './positions'
import { Badge, ProblemView, seq, when } from './ui'

interface Page {
  resets: LedgerEntry[]
  next_cursor: string | null
}

const PAGE_SIZE = '20'

function Verification(props: { entry: LedgerEntry }) {
  const v = props.entry.verification
  if (v === undefined) return <p class="muted">Verification: not available on this gateway.</p>
  if (v === null) {
    return (
      <p class="muted" role="status">
        Verification: not checked yet (the gateway re-reads the partitions a few seconds after the
        reset).
      </p>
    )
  }
  return (
    <div
      class={`verification verification-${v.status}`}
      role={v.status === 'overwritten' ? 'alert' : undefined}
    >
      <p>
        <strong>
          {v.status === 'overwritten'
            ? 'OVERWRITTEN — a consumer committed over this reset; it did not hold.'
            : v.status === 'held'
              ? 'Held — the partitions still held what the reset left.'
              : 'Unknown — the check could not run.'}
        </strong>{' '}
        Checked {when(v.checked_at)}.
      </p>
      <p>
        {v.partitions.map((p) => (
          <span class="chip">
            {p.partition_id}: {seq(p.sequence_number)}
          </span>
        ))}
      </p>
    </div>
  )
}

function Detail(props: ScreenProps & { id: string }) {
  const [entry, setEntry] = useState<LedgerEntry | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [undoProblem, setUndoProblem] = useState<Problem | null>(null)
  const [undone, setUndone] = useState<UndoRecord | null>(null)
  const [confirmForce, setConfirmForce] = useState(false)
  const [busy, setBusy] = useState(false)
  const load = async () => {
    setProblem(null)
    try {
      const a = await call<LedgerEntry>(
        props.apiKey,
        'GET',
        `/v1/resets/${encodeURIComponent(props.id)}`
      )
      setEntry(a.data)
    } catch (error) {
      setProblem(asProblem(error))
    }
  }
  useEffect(() => {
    void load()
  }, [props.id])
  // The verification re-read runs RESET_VERIFY_SECONDS (at most 25) after the reset: until it has
  // been recorded, read the entry again every 2 s for a minute after the reset.
  useEffect(() => {
    if (!entry || entry.verification !== null) return
    if (Date.now() - Date.parse(entry.created_at) > 60_000) return
    const timer = setTimeout(() => void load(), 2000)
    return () => clearTimeout(timer)
  }, [entry])
  const undo = async (force: boolean) => {
    setBusy(true)
    setUndoProblem(null)
    try {
      const path = `/v1/resets/${encodeURIComponent(props.id)}/undo${force ? '?force=true' : ''}`
      const a = await call<UndoRecord>(props.apiKey, 'POST', path)
      setUndone(a.data)
      setConfirmForce(false)
      await load()
    } catch (error) {
      setUndoProblem(asProblem(error))
    } finally {
      setBusy(false)
    }
  }
  const conflicts = (undoProblem?.body.conflicts ?? []) as {
    partition_id: string
    sequence_number: string | null
  }[]
  const newer = (undoProblem?.body.newer_resets ?? []) as string[]
  const forceable = undoProblem?.code === 'undo_conflict'
  const undoRecord = undone ?? entry?.undo ?? null
  return (
    <section>
      <p>
        <a href="#/history">← All resets</a>
      </p>
      <ProblemView problem={problem} onRetry={() => void load()} />
      {entry ? (
        <>
          <h2>
            Reset <code>{entry.reset_id}</code> <Badge value={entry.status} />
          </h2>
          <dl class="meta">
            <dt>When</dt>
            <dd>{when(entry.created_at)}</dd>
            <dt>Stream / app</dt>
            <dd>
              {entry.stream_name} / {entry.app_name} ({entry.partition_selector})
            </dd>
            <dt>Kind</dt>
            <dd>{entry.kind ?? 'delete'}</dd>
            <dt>By</dt>
            <dd>
              {entry.client_id} via {entry.via}
            </dd>
            <dt>Request id</dt>
            <dd>
              <code>{entry.request_id}</code>
            </dd>
          </dl>
          <Verification entry={entry} />
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Per-partition before and after</caption>
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col">Before → after</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {entry.partitions.map((p) => (
                  <tr>
                    <th scope="row">{p.partition_id}</th>
                    <td class="num">
                      {seq(p.previous_sequence_number)} →{' '}
                      {p.committed !== undefined && p.committed !== null
                        ? p.committed
                        : p.result === 'deleted'
                          ? 'deleted'
                          : '—'}
                    </td>
                    <td>
                      {p.result}
                      {p.code ? <code> {p.code}</code> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Undo</h3>
          {undoRecord ? (
            <div class="undo" role="status">
              <p>
                <Badge value={`undo ${undoRecord.status}`} /> {when(undoRecord.undone_at)} by{' '}
                {undoRecord.client_id}
              </p>
              <ul>
                {undoRecord.partitions.map((p) => (
                  <li>
                    {p.partition_id}: {p.result}
                    {p.code ? ` (${p.code})` : ''}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {undoRecord?.status === 'completed' ? null : (
            <button type="button" disabled={busy} onClick={() => void undo(false)}>
              {busy ? 'Undoing…' : 'Undo this reset'}
            </button>
          )}
          <ProblemView problem={undoProblem} />
          {conflicts.length > 0 ? (
            <ul class="conflicts" aria-label="Conflicts">
              {conflicts.map((c) => (
                <li>
                  {c.partition_id}: a consumer committed {seq(c.sequence_number)} since the reset
                </li>
              ))}
            </ul>
          ) : null}
          {newer.length > 0 ? (
            <p>
              Newer resets:{' '}
              {newer.map((id) => (
                <a href={`#/history/${id}`}>{id} </a>
              ))}
            </p>
          ) : null}
          {forceable ? (
            <div class="force">
              <label class="inline">
                <input
                  type="checkbox"
                  checked={confirmForce}
                  onChange={() => setConfirmForce(!confirmForce)}
                />
                I understand that forcing overwrites what consumers or newer resets committed since.
              </label>
              <button
                type="button"
                class="danger"
                disabled={!confirmForce || busy}
                onClick={() => void undo(true)}
              >
                Force undo
              </button>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  )
}

function List(props: ScreenProps) {
  const [filter, setFilter] = useState(props.target)
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const [page, setPage] = useState<Page | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [busy, setBusy] = useState(false)
  const load = async (stack: (string | undefined)[], f = filter) => {
    setBusy(true)
    setProblem(null)
    try {
      const q = query({
        stream_name: f.stream,
        app_name: f.app,
        limit: PAGE_SIZE,
        cursor: stack[stack.length - 1],
      })
      setPage((await call<Page>(props.apiKey, 'GET', `/v1/resets${q}`)).data)
      setCursors(stack)
    } catch (error) {
      setProblem(asProblem(error))
    } finally {
      setBusy(false)
    }
  }
  useEffect(() => {
    void load([undefined])
  }, [])
  const submit = (e: Event) => {
    e.preventDefault()
    void load([undefined], filter)
  }
  return (
    <section aria-busy={busy}>
      <form class="toolbar" onSubmit={submit}>
        <TargetFields id="hist" value={filter} onChange={setFilter} optional />
        <button type="submit" disabled={busy}>
          Filter
        </button>
      </form>
      <ProblemView problem={problem} onRetry={() => void load(cursors)} />
      {page ? (
        page.resets.length === 0 ? (
          <p>No resets{filter.stream || filter.app ? ' match these filters' : ' yet'}.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Resets, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Reset</th>
                  <th scope="col">Stream / app</th>
                  <th scope="col">Partitions</th>
                  <th scope="col">By</th>
                  <th scope="col">Status</th>
                  <th scope="col">Held?</th>
                </tr>
              </thead>
              <tbody>
                {page.resets.map((r) => (
                  <tr>
                    <td>{when(r.created_at)}</td>
                    <td>
                      <a href={`#/history/${r.reset_id}`}>{r.reset_id}</a>
                      <span class="muted"> {r.kind ?? 'delete'}</span>
                    </td>
                    <td>
                      {r.stream_name} / {r.app_name}
                    </td>
                    <td>{r.partition_selector}</td>
                    <td>{r.client_id}</td>
                    <td>
                      <Badge value={r.status} />
                      {r.undo ? <Badge value={`undo ${r.undo.status}`} /> : null}
                    </td>
                    <td>{r.verification ? <Badge value={r.verification.status} /> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={busy || cursors.length < 2}
          onClick={() => void load(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy || !page?.next_cursor}
          onClick={() => void load([...cursors, page?.next_cursor ?? undefined])}
        >
          Older
        </button>
      </div>
    </section>
  )
}

export function History(props: ScreenProps) {
  const id = props.route[1]
  return id ? <Detail {...props} id={id} /> : <List {...props} />
}
