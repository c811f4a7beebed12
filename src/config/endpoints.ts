/**
 * Regional endpoint defaults and the rule every endpoint override must pass.
 * docs/upstream.md "Endpoints": DIS and IAM live at `{service}.{region}.myhuaweicloud.com`; the one
 * exception is IAM in the sovereign EU region `eu-west-101` (`.myhuaweicloud.eu`).
 */

/** Hosts that may use plain `http://` (local development and tests only). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

export function defaultDisEndpoint(region: string): string {
  return `https://dis.${region}.myhuaweicloud.com`
}

export function defaultIamEndpoint(region: string): string {
  const domain = region === 'eu-west-101' ? 'myhuaweicloud.eu' : 'myhuaweicloud.com'
  return `https://iam.${region}.${domain}`
}

/**
 * Parses an endpoint override into its origin, or explains why it is refused.
 * Only an origin is accepted (no path, query, fragment or credentials) so that the upstream
 * path is always the gateway's own; `https` is required except for loopback hosts, so a token
 * can never travel in clear text over a network (OWASP API7/API8).
 */
export function parseEndpoint(raw: string): { origin: string } | { error: string } {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { error: 'is not an absolute URL' }
  }
  if (url.username || url.password) return { error: 'must not contain credentials' }
  if (url.search || url.hash) return { error: 'must not contain a query or fragment' }
  if (url.pathname !== '/' && url.pathname !== '')
    return { error: 'must be an origin without a path' }
  if (url.protocol === 'https:') return { origin: url.origin }
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return { origin: url.origin }
  return { error: 'must use https:// (http:// is allowed only for loopback hosts)' }
}
