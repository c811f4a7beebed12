/**
 * Wraps a Durable Object namespace and records every call made on a stub it hands out (the
 * method's name): what the gateway asks of the object, counted where it leaves the Worker.
 * Tests pass `namespace` as the binding and assert on `calls` ("cheap rejections cost no state").
 */
export function countingNamespace(real: DurableObjectNamespace) {
  const calls: string[] = []
  const namespace = new Proxy(real, {
    get(target, name) {
      if (name === 'get') {
        return (id: DurableObjectId) => {
          const stub = target.get(id) as unknown as Record<string, (...a: unknown[]) => unknown>
          // A plain stand-in for the stub: every method call is recorded, then forwarded.
          // `then` stays undefined so the stand-in is not a thenable.
          return new Proxy(
            {},
            {
              get: (_, method) =>
                typeof method !== 'string' || method === 'then'
                  ? undefined
                  : (...args: unknown[]) => {
                      calls.push(method)
                      return stub[method]?.(...args)
                    },
            }
          )
        }
      }
      const value = Reflect.get(target, name)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { namespace, calls }
}
