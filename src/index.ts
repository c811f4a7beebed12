import { createApp } from './app'

/** The Durable Object classes wrangler.jsonc binds (docs/shared-state.md). */
export { ResetLedger } from './ledger/ledger-object'
export { TokenBroker } from './token/broker-object'
export { ReplayGuard } from './webhooks/replay-guard-object'

export default createApp()
