/**
 * Durable Object ids by name, derived once per isolate: `idFromName` hashes the name on every
 * call, and the names here are few and fixed (one per client, one ledger, one per IAM identity).
 * Ids are plain values, safe to keep across requests (stubs are not: each request gets its own).
 */
const byNamespace = new WeakMap<object, Map<string, DurableObjectId>>()

export function objectId<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  name: string
): DurableObjectId {
  let ids = byNamespace.get(namespace)
  if (!ids) {
    ids = new Map()
    byNamespace.set(namespace, ids)
  }
  let id = ids.get(name)
  if (!id) {
    id = namespace.idFromName(name)
    ids.set(name, id)
  }
  return id
}
