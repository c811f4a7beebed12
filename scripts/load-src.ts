import { registerHooks } from 'node:module'

/**
 * Imported for its effect by the scripts that load gateway modules in Node (dev, keygen,
 * openapi): src/ imports its modules without extensions (bundler resolution, as wrangler builds
 * it); Node needs the `.ts`. Import this first, then `await import('../src/…')`.
 */
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context)
    } catch (error) {
      if (!specifier.startsWith('.')) throw error
      return next(`${specifier}.ts`, context)
    }
  },
})
