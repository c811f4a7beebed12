import { runInDurableObject } from 'cloudflare:test'

export interface SqlCost<T> {
  result: T
  rowsRead: number
  rowsWritten: number
}

/**
 * Runs `action` inside the object and adds up SQLite's own `rowsRead` / `rowsWritten` of every
 * statement it executed: the counters Cloudflare bills (README "Shared state"), not an estimate.
 */
export async function sqlCost<T>(
  stub: DurableObjectStub,
  action: (instance: unknown, state: DurableObjectState) => Promise<T> | T
): Promise<SqlCost<T>> {
  return runInDurableObject(stub, async (instance, state) => {
    const sql = state.storage.sql
    const exec = sql.exec.bind(sql)
    const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = []
    sql.exec = ((query: string, ...bindings: unknown[]) => {
      const cursor = exec(query, ...bindings)
      cursors.push(cursor)
      return cursor
    }) as typeof sql.exec
    let result: T
    try {
      result = await action(instance, state)
    } finally {
      sql.exec = exec
    }
    return {
      result,
      rowsRead: cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0),
      rowsWritten: cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0),
    }
  })
}
