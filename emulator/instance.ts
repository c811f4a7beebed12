// Everything one emulator instance owns. Spawned instances get their own, so parallel test
// files never see each other's state, counters or faults.
import { CallLog } from './calls.ts'
import { LiveConsumers } from './consumers.ts'
import type { ActiveRule } from './faults.ts'
import { defaultSettings } from './settings.ts'
import { buildWorld, type World } from './state.ts'
import { TokenStore } from './tokens.ts'
import type { EmulatorSettings, Seed } from './types.ts'

export interface Instance {
  seed: Seed
  world: World
  settings: EmulatorSettings
  faults: ActiveRule[]
  tokens: TokenStore
  calls: CallLog
  /** Live consumers per (stream, app); their timers end on reset and close. */
  consumers: LiveConsumers
  /** `http://host:port`, known once listening (used in the IAM catalog). */
  origin: string
  /** Aborted on close(): pending delays end, hanging requests are dropped. */
  closing: AbortSignal
  /** Starts an independent child instance; returns its URL. */
  spawn(seed: Seed): Promise<string>
  /** Present only on spawned instances (POST /__emulator/shutdown). */
  shutdown: (() => void) | null
}

export function createInstance(
  seed: Seed,
  hooks: Pick<Instance, 'closing' | 'spawn' | 'shutdown'>
): Instance {
  // structuredClone: a caller mutating its seed object later must not leak into resets
  const own = structuredClone(seed)
  const inst: Instance = {
    seed: own,
    world: buildWorld(structuredClone(own)),
    settings: defaultSettings(),
    faults: [],
    tokens: new TokenStore(),
    calls: new CallLog(),
    consumers: undefined as unknown as LiveConsumers,
    origin: '',
    ...hooks,
  }
  inst.consumers = new LiveConsumers(inst)
  hooks.closing.addEventListener('abort', () => inst.consumers.stopAll(), { once: true })
  return inst
}

/** POST /__emulator/reset: back to the seed, defaults, no faults, no calls, no tokens. */
export function resetInstance(inst: Instance): void {
  inst.consumers.stopAll()
  inst.world = buildWorld(structuredClone(inst.seed))
  inst.settings = defaultSettings()
  inst.faults = []
  inst.tokens.clear()
  inst.calls.reset()
}
