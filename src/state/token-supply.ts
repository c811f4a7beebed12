import { bytesToHex, sha256 } from '../auth/bytes'
import type { GatewayConfig } from '../config/types'
import { AppError } from '../errors/app-error'
import type { TokenSupply, UpstreamContext } from '../upstream/context'
import { fetchIamToken } from '../upstream/iam'
import { boundedCall } from './bounded-call'
import { objectId } from './object-ids'
import type { TokenBroker } from './token-broker-object'

const brokerNames = new WeakMap<GatewayConfig, string>()

/**
 * The broker object for this IAM identity. The name is a digest of endpoint, account, user,
 * project *and* a digest of the password, so a rotated password gets a fresh broker (and breaker)
 * while the password itself never appears in an object name.
 */
async function brokerName(config: GatewayConfig): Promise<string> {
  const known = brokerNames.get(config)
  if (known) return known
  const identity = [
    config.iamEndpoint,
    config.iamDomainName,
    config.iamUserName,
    config.projectId,
    config.iamPassword,
  ].join('\u0000')
  const name = `iam:${bytesToHex(await sha256(identity))}`
  brokerNames.set(config, name)
  return name
}

/**
 * Tokens for an isolate that has none (README "Shared state"): ask the deployment's broker,
 * and if the broker cannot be reached in time, fetch from IAM directly — a slow object must not
 * take the reset route down. A refusal the broker reports (IAM said no, or its breaker is open)
 * is final: IAM really answered, and asking it again is exactly what the breaker prevents.
 */
export function brokeredTokenSupply(
  ctx: UpstreamContext,
  namespace: DurableObjectNamespace<TokenBroker> | undefined,
  timeoutMs: () => number
): TokenSupply {
  const stub = async () => {
    if (!namespace) throw new Error('no token broker binding')
    return namespace.get(objectId(namespace, await brokerName(ctx.config)))
  }
  const { config } = ctx
  const identity = {
    iamEndpoint: config.iamEndpoint,
    iamDomainName: config.iamDomainName,
    iamUserName: config.iamUserName,
    iamPassword: config.iamPassword,
    projectId: config.projectId,
  }
  let dropped: string | undefined
  const bestEffort = async (what: string, call: () => Promise<void>) => {
    await boundedCall(what, timeoutMs(), call).catch(() => undefined)
  }

  return {
    async issue() {
      let answer: Awaited<ReturnType<TokenBroker['token']>>
      try {
        answer = await boundedCall('token broker', timeoutMs(), async () =>
          (await stub()).token(identity, { now: ctx.deps.now(), dropped })
        )
      } catch {
        const token = await fetchIamToken(ctx)
        return { ...token, via: 'fetch' as const }
      }
      ctx.stats.iamCalls += answer.iamCalls
      if (!answer.ok) {
        const { code, detail, upstream, headers } = answer
        throw new AppError(code, { detail, upstream, headers, reason: 'token broker refusal' })
      }
      return {
        ...answer.token,
        via: answer.iamCalls > 0 ? ('fetch' as const) : ('broker' as const),
      }
    },
    async dropped(token) {
      dropped = token
      await bestEffort('token broker drop', async () => (await stub()).drop(token))
    },
    async refused(token) {
      const now = ctx.deps.now()
      await bestEffort('token broker refused', async () => (await stub()).refused(token, now))
    },
  }
}
