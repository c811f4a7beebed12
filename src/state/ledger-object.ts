import { DurableObject } from 'cloudflare:workers'

/** The reset ledger (README "Safety net"). */
export class ResetLedger extends DurableObject<Env> {}
