import { createApp } from './app'

/** The Durable Object classes wrangler.toml binds (README "Shared state"). */
export { ResetLedger } from './state/ledger-object'
export { ReplayGuard } from './state/replay-guard-object'
export { TokenBroker } from './state/token-broker-object'

export default createApp()
