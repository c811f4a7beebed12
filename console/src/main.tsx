import { render, useEffect, useRef, useState } from 'hono/jsx/dom'
import { asProblem, call, type Problem } from './api'
import { History } from './history'
import { Move } from './move'
import { Positions } from './positions'
import { ProblemView } from './ui'

/** The key lives for the tab only (README "Operator console"): sessionStorage, never localStorage. */
const KEY_SLOT = 'dis-gateway.console.key'
/** Non-secret: the last stream/app, so each screen starts where the operator was. */
const TARGET_SLOT = 'dis-gateway.console.target'

export interface Target {
  stream: string
  app: string
}

export interface ScreenProps {
  apiKey: string
  target: Target
  setTarget: (t: Target) => void
  go: (hash: string) => void
  route: string[]
}

function readTarget(): Target {
  try {
    const t = JSON.parse(sessionStorage.getItem(TARGET_SLOT) ?? '{}') as Partial<Target>
    return { stream: t.stream ?? '', app: t.app ?? '' }
  } catch {
    return { stream: '', app: '' }
  }
}

function currentRoute(): string[] {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean)
  return parts.length > 0 ? parts : ['positions']
}

function SignIn(props: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<Problem | null>(null)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setProblem(null)
    try {
      // Any authenticated answer proves the key; the list shows only what its allow covers.
      await call(key.trim(), 'GET', '/v1/resets?limit=1')
      props.onKey(key.trim())
    } catch (error) {
      const p = asProblem(error)
      // A gateway with the ledger off has no /v1/resets (404): the key is still good.
      if (p.status === 404 && p.code !== 'not_found') props.onKey(key.trim())
      else setProblem(p)
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class="signin">
      <h1>DIS checkpoint gateway</h1>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e: Event) => setKey((e.target as HTMLInputElement).value)}
        />
        <p class="hint">
          Kept in this tab only (sessionStorage) and sent only as <code>Authorization: Bearer</code>
          .
        </p>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ProblemView problem={problem} />
    </main>
  )
}

const SCREENS: [string, string][] = [
  ['positions', 'Positions'],
  ['move', 'Move'],
  ['history', 'History'],
]

function App() {
  const [apiKey, setApiKey] = useState(sessionStorage.getItem(KEY_SLOT) ?? '')
  const [route, setRoute] = useState(currentRoute())
  const [target, setTargetState] = useState(readTarget())
  const heading = useRef<HTMLElement>(null)
  useEffect(() => {
    const onHash = () => setRoute(currentRoute())
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  // Keyboard users land on the new screen's content, not at the top of the page.
  useEffect(() => heading.current?.focus(), [route[0]])
  const setTarget = (t: Target) => {
    sessionStorage.setItem(TARGET_SLOT, JSON.stringify(t))
    setTargetState(t)
  }
  const signIn = (key: string) => {
    sessionStorage.setItem(KEY_SLOT, key)
    setApiKey(key)
  }
  const signOut = () => {
    sessionStorage.removeItem(KEY_SLOT)
    setApiKey('')
  }
  if (!apiKey) return <SignIn onKey={signIn} />
  const go = (hash: string) => {
    location.hash = hash
  }
  const props: ScreenProps = { apiKey, target, setTarget, go, route }
  const screen = route[0] ?? 'positions'
  return (
    <div class="shell">
      <header>
        <span class="brand">DIS checkpoint gateway</span>
        <nav aria-label="Screens">
          {SCREENS.map(([id, name]) => (
            <a href={`#/${id}`} aria-current={screen === id ? 'page' : undefined}>
              {name}
            </a>
          ))}
        </nav>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <h1 tabindex={-1} ref={heading}>
          {SCREENS.find(([id]) => id === screen)?.[1] ?? 'Not found'}
        </h1>
        {screen === 'positions' ? (
          <Positions {...props} />
        ) : screen === 'move' ? (
          <Move {...props} />
        ) : screen === 'history' ? (
          <History {...props} />
        ) : (
          <p>
            No such screen. <a href="#/positions">Positions</a>
          </p>
        )}
      </main>
    </div>
  )
}

const root = document.getElementById('app')
if (root) {
  root.textContent = ''
  render(<App />, root)
}
