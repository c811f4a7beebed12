/**
 * The generated document is imported as data by the route (esbuild inlines JSON). The test
 * tsconfig resolves the real file; this declaration covers the Worker's tsconfig, which does not
 * enable `resolveJsonModule`.
 */
declare module '*/openapi.generated.json' {
  const document: Record<string, unknown>
  export default document
}
