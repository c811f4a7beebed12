import { createApp } from './app'

/** The Durable Object classes wrangler.jsonc binds (README "Shared state"). */
export { ResetLedger } from './ledger/ledger-object'
export { TokenBroker } from './token/broker-object'
export { ReplayGuard } from './webhooks/replay-guard-object'

export default createApp()
