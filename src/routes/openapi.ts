import { Hono } from 'hono'
import type { AppEnv } from '../env'
import document from '../openapi/openapi.generated.json'

let text: string | undefined

/**
 * `GET /openapi.json`: the OpenAPI 3.1 description, for callers and tools. Unauthenticated (it
 * holds no secret and no configuration) and never calls upstream. The document is generated
 * at build time by `npm run openapi` from the route table and the routes' zod schemas
 * (scripts/openapi/), so the generator stays out of the bundle; it is serialized once per
 * isolate.
 */
export function openapiRoutes() {
  return new Hono<AppEnv>().get('/', (c) => {
    c.get('log').route = 'GET /openapi.json'
    text ??= JSON.stringify(document)
    return c.body(text, 200, { 'Content-Type': 'application/json' })
  })
}
