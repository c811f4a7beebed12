import { apiKeyAuth } from './api-key-auth'
import { clientRateLimit } from './client-rate-limit'
import { noBody } from './no-body'

/**
 * What every Bearer route runs before its own validation, in this order: the API key (401),
 * the client's rate limit (429, before anything upstream), and no body (400: the parameters
 * are in the query).
 */
export const bearerRoute = () => [apiKeyAuth(), clientRateLimit(), noBody()] as const
