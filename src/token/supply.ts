import type { GatewayConfig } from '../config/parse'
import { boundedCall } from '../lib/concurrency'
import { bytesToHex, sha256 } from '../lib/crypto'
import { objectId } from '../lib/durable-objects'
import { AppError } from '../problems'
import type { IdentityCheck, TokenSupply, UpstreamContext } from '../upstream/context'
import { checkIdentity, listStreamsUrl } from '../upstream/dis'
import { fetchIamToken } from '../upstream/iam'
import type { TokenBroker } from './broker-object'
import { BREAKER_COOLDOWN_MS, BROKER_MAX_WAIT_MS } from './cache'

const brokerNames = new WeakMap<GatewayConfig, string>()
/** Below this much time left, asking the broker again cannot bring a token in time. */
const MIN_ASK_MS = 50
/** The isolate's own ListStreams check when the broker cannot be reached. */
const CHECK_TIMEOUT_MS = 1_500

/**
 * The broker object for this IAM identity: a digest of the non-secret identity only (IAM
 * endpoint, account, user, project). The password is deliberately left out: a digest of it in
 * the name (an object id is visible to anyone who can list the namespace) would let a guess be
 * checked offline, and the deployment has no secret to key an HMAC with that is not itself the
 * password. A rotated password is handled inside the broker instead, which keeps a token and a
 * breaker per password it is given, in memory only.
 */
export async function brokerName(
  config: Pick<GatewayConfig, 'iamEndpoint' | 'iamDomainName' | 'iamUserName' | 'projectId'>
): Promise<string> {
  const identity = [
    config.iamEndpoint,
    config.iamDomainName,
    config.iamUserName,
    config.projectId,
  ].join('\u0000')
  return `iam:${bytesToHex(await sha256(identity))}`
}

async function cachedBrokerName(config: GatewayConfig): Promise<string> {
  let name = brokerNames.get(config)
  if (!name) {
    name = await brokerName(config)
    brokerNames.set(config, name)
  }
  return name
}

/**
 * Tokens for an isolate that has none (docs/shared-state.md): ask the deployment's broker,
 * and if the broker call errors (unreachable, binding failure, no answer in time), fetch from
 * IAM directly — a broken object must not take the reset route down. A broker that is still
 * waiting on IAM says `pending` within a second, and is asked again until the deadline: a slow
 * IAM is never a reason to log in from every isolate. A refusal the broker reports (IAM said
 * no, or its breaker is open) is final, and the isolate's cool-down ends when the broker's does.
 */
export function brokeredTokenSupply(
  ctx: UpstreamContext,
  namespace: DurableObjectNamespace<TokenBroker> | undefined,
  timeoutMs: () => number
): TokenSupply {
  const stub = async () => {
    if (!namespace) throw new Error('no token broker binding')
    return namespace.get(objectId(namespace, await cachedBrokerName(ctx.config)))
  }
  const { config, deps } = ctx
  const identity = {
    iamEndpoint: config.iamEndpoint,
    iamDomainName: config.iamDomainName,
    iamUserName: config.iamUserName,
    iamPassword: config.iamPassword,
    projectId: config.projectId,
  }
  let dropped: string | undefined

  return {
    async issue() {
      for (;;) {
        const budget = timeoutMs()
        if (budget < MIN_ASK_MS) {
          throw new AppError('upstream_timeout', {
            detail: 'IAM did not issue a token in time',
            reason: 'token broker still waiting on IAM at the deadline',
          })
        }
        let answer: Awaited<ReturnType<TokenBroker['token']>>
        try {
          // The broker answers within `waitMs`, well inside the call's own timeout.
          const waitMs = Math.min(BROKER_MAX_WAIT_MS, budget / 2)
          answer = await boundedCall('token broker', budget, async () =>
            (await stub()).token(identity, { now: deps.now(), dropped, waitMs })
          )
        } catch {
          const token = await fetchIamToken(ctx)
          return { ...token, via: 'fetch' as const }
        }
        if (answer.kind === 'pending') continue
        ctx.stats.iamCalls += answer.iamCalls
        if (answer.kind === 'failed') {
          const { code, detail, upstream, headers, until } = answer
          const error = new AppError(code, {
            detail,
            upstream,
            headers,
            reason: 'token broker refusal',
          })
          if (until !== undefined) ctx.tokens.tripBreaker(error, until)
          throw error
        }
        return {
          ...answer.token,
          via: answer.iamCalls > 0 ? ('fetch' as const) : ('broker' as const),
        }
      }
    },
    async dropped(token) {
      const known = await boundedCall('token broker drop', timeoutMs(), async () =>
        (await stub()).drop(token, deps.now())
      ).catch(() => null)
      if (known?.verdict === 'accepted') return known
      dropped = token
      return undefined
    },
    async confirm(token): Promise<IdentityCheck> {
      const url = listStreamsUrl(config)
      try {
        const check = await boundedCall('token broker confirm', timeoutMs(), async () =>
          (await stub()).confirm(identity, url, token, deps.now())
        )
        ctx.stats.attempts += check.disCalls
        return { verdict: check.verdict, until: check.until }
      } catch {
        // No broker: this isolate checks on its own (still once per cool-down, by its cache).
        const startedAt = deps.now()
        ctx.stats.attempts++
        ctx.subrequests.used++
        const remaining = ctx.deadline - startedAt
        const verdict = await checkIdentity(
          deps.fetch,
          url,
          token,
          Math.max(0, Math.min(CHECK_TIMEOUT_MS, remaining))
        )
        return { verdict, until: startedAt + BREAKER_COOLDOWN_MS }
      }
    },
  }
}
