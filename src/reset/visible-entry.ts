import { isAllowed } from '../auth/allow'
import type { ClientConfig } from '../config/types'
import { AppError } from '../errors/app-error'
import { type LedgerEntry, RESET_ID } from '../ledger/entry'
import type { LedgerStore } from '../state/ledger'

/**
 * The ledger entry `resetId` names, if this client may see it. A malformed id, an unknown one
 * and one outside the client's `allow` are the same 404, so existence is not revealed; a
 * malformed id, or a client allowed nothing, never reaches the ledger.
 */
export async function visibleEntry(
  ledger: LedgerStore,
  client: ClientConfig,
  resetId: string
): Promise<LedgerEntry> {
  // A client with an empty `allow` can see no entry: answered without a Durable Object call
  // (README "Shared state": cheap rejections cost no state).
  const visible = client.allow.length > 0 && RESET_ID.test(resetId)
  const entry = visible ? await ledger.get(resetId) : null
  if (!entry || !isAllowed(client.allow, entry.stream_name, entry.app_name)) {
    throw resetNotFound()
  }
  return entry
}

export function resetNotFound(): AppError {
  return new AppError('reset_not_found', {
    detail: 'No reset with this id is visible to this client',
  })
}
