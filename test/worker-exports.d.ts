// Types `exports.default` from `cloudflare:workers` as the gateway's own entry point in tests.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('../src/index')
  }
}
