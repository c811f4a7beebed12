import { isAllowed } from '../auth/allow'
import type { ClientConfig } from '../config/types'
import { AppError } from '../errors/app-error'
import { type LedgerEntry, RESET_ID } from '../ledger/entry'
import type { LedgerStore } from '../state/ledger'

/**
 * The ledger entry `resetId` names, if this client may see it. A malformed id, an unknown one
 * and one outside the client's `allow` are the same 404, so existence is not revealed; a
 * malformed id never reaches the ledger.
 */
export async function visibleEntry(
  ledger: LedgerStore,
  client: ClientConfig,
  resetId: string
): Promise<LedgerEntry> {
  const entry = RESET_ID.test(resetId) ? await ledger.get(resetId) : null
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
