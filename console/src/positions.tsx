import { useEffect, useState } from 'hono/jsx/dom'
import { asProblem, call, type PartitionPosition, type Problem, query } from './api'
import type { ScreenProps, Target } from './main'
import { NAME, ProblemView, RangeBar, seq, when } from './ui'

interface Checkpoints {
  stream_name: string
  app_name: string
  partitions: PartitionPosition[]
  request_id: string
}

/** Reads every partition's checkpoint (and, where the gateway has them, range, position, lag). */
export async function readPositions(key: string, t: Target): Promise<Checkpoints> {
  const q = query({ stream_name: t.stream, app_name: t.app, partition_id: 'all' })
  return (await call<Checkpoints>(key, 'GET', `/v1/checkpoints${q}`)).data
}

/** Stream + app inputs shared by the screens; the gateway's allow decides what a key may see. */
export function TargetFields(props: {
  value: Target
  onChange: (t: Target) => void
  id: string
  /** History filters: empty means every stream/app the key may see. */
  optional?: boolean
}) {
  return (
    <div class="fields">
      <div>
        <label for={`${props.id}-stream`}>Stream</label>
        <input
          id={`${props.id}-stream`}
          required={!props.optional}
          pattern={NAME.stream}
          value={props.value.stream}
          onInput={(e: Event) =>
            props.onChange({ ...props.value, stream: (e.target as HTMLInputElement).value.trim() })
          }
        />
      </div>
      <div>
        <label for={`${props.id}-app`}>App</label>
        <input
          id={`${props.id}-app`}
          required={!props.optional}
          pattern={NAME.app}
          value={props.value.app}
          onInput={(e: Event) =>
            props.onChange({ ...props.value, app: (e.target as HTMLInputElement).value.trim() })
          }
        />
      </div>
    </div>
  )
}

export function Positions(props: ScreenProps) {
  const [draft, setDraft] = useState(props.target)
  const [data, setData] = useState<Checkpoints | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [busy, setBusy] = useState(false)
  const [readAt, setReadAt] = useState('')
  const load = async (t: Target) => {
    if (!t.stream || !t.app) return
    setBusy(true)
    setProblem(null)
    try {
      setData(await readPositions(props.apiKey, t))
      setReadAt(new Date().toISOString())
    } catch (error) {
      setData(null)
      setProblem(asProblem(error))
    } finally {
      setBusy(false)
    }
  }
  useEffect(() => {
    void load(props.target)
  }, [])
  const submit = (e: Event) => {
    e.preventDefault()
    props.setTarget(draft)
    void load(draft)
  }
  const hasRange = data?.partitions.some((p) => p.range !== undefined) ?? false
  return (
    <section aria-busy={busy}>
      <form onSubmit={submit} class="toolbar">
        <TargetFields id="pos" value={draft} onChange={setDraft} />
        <button type="submit" disabled={busy}>
          {data && data.stream_name === draft.stream && data.app_name === draft.app
            ? 'Refresh'
            : 'Show positions'}
        </button>
      </form>
      <ProblemView problem={problem} onRetry={() => void load(draft)} />
      {data ? (
        <>
          <p class="summary">
            {data.partitions.length} partition{data.partitions.length === 1 ? '' : 's'} of{' '}
            <strong>{data.stream_name}</strong> for app <strong>{data.app_name}</strong>, read at{' '}
            {when(readAt)}. <a href="#/move">Move these partitions…</a>
          </p>
          {hasRange ? null : (
            <p class="notice">
              Range, position and lag are not available on this gateway yet (it answers checkpoints
              only), so there are no bars.
            </p>
          )}
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Positions per partition</caption>
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col">Checkpoint</th>
                  <th scope="col">Retained range</th>
                  <th scope="col">Position</th>
                  <th scope="col">Lag</th>
                  <th scope="col">Where in the range</th>
                </tr>
              </thead>
              <tbody>
                {data.partitions.map((p) => (
                  <tr>
                    <th scope="row">
                      {p.partition_id}
                      {p.status && p.status !== 'ACTIVE' ? (
                        <span class="muted"> {p.status}</span>
                      ) : null}
                    </th>
                    <td class="num">{seq(p.sequence_number)}</td>
                    <td class="num">{p.range ? `${p.range.earliest} – ${p.range.next}` : '—'}</td>
                    <td class="num">{p.position === undefined ? '—' : seq(p.position)}</td>
                    <td class="num">{p.lag === undefined ? '—' : seq(p.lag)}</td>
                    <td>
                      <RangeBar range={p.range} at={p.position} label={p.partition_id} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  )
}
