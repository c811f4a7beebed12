/**
 * IAM token economy, each case on freshly started gateways (new workerd, so isolates and the
 * token broker are empty):
 * - sequential: 10 000 requests one after another on one keep-alive connection: one IAM call;
 * - cold burst: 50 requests at once, spread over two gateway instances that share the Durable
 *   Objects. Two workerd processes cannot share Durable Objects, so "two instances" are two
 *   workers in one workerd, each loading the gateway bundle into its own isolate (own module
 *   state, own token cache), with their Durable Object bindings pointing at a third copy that
 *   hosts the objects — as in production, where the broker lives apart from the isolates
 *   that ask it. Target: at most two IAM calls for the whole burst.
 */
import { PLAN } from '../config.ts'
import { burst, load } from '../load.ts'
import { startInstance, startWorker } from '../runtime.ts'
import type { Targets } from '../targets.ts'
import { bearerReset } from '../targets.ts'
import type { Upstream } from '../upstream.ts'
import { type GatewayWiring, hostedElsewhere } from '../wiring.ts'

export interface IamResult {
  sequential: { requests: number; failures: number; iamCalls: number }
  /** One entry per fresh pair of instances. */
  coldBurst: { iamCalls: number; non2xx: number; perInstance: [number, number] }[]
}

const HOST = 'objects'

export async function measureIam(
  targets: Targets,
  wiring: GatewayWiring,
  upstream: Upstream,
  progress: (line: string) => void
): Promise<IamResult> {
  upstream.setLatency(0)
  progress(`IAM: ${PLAN.sequentialRequests} sequential requests on a fresh gateway`)
  const single = await startWorker(targets.gateway({ ledger: 'off' }))
  let sequential: IamResult['sequential']
  try {
    upstream.reset()
    const result = await load(single.origin, bearerReset(), {
      connections: 1,
      amount: PLAN.sequentialRequests,
    })
    sequential = {
      requests: result.responses,
      failures: result.failures,
      iamCalls: upstream.counts().iam,
    }
  } finally {
    await single.dispose()
  }

  const coldBurst: IamResult['coldBurst'] = []
  const elsewhere = hostedElsewhere(wiring, HOST)
  for (let trial = 1; trial <= PLAN.coldBurstTrials; trial++) {
    progress(`IAM: cold burst of ${PLAN.coldBurst} over two instances, trial ${trial}`)
    const pair = await startInstance([
      { ...targets.gateway({ ledger: 'off' }, HOST), serve: false },
      targets.gateway({ ledger: 'off' }, 'gateway-a', elsewhere),
      targets.gateway({ ledger: 'off' }, 'gateway-b', elsewhere),
    ])
    try {
      upstream.reset()
      const half = Math.ceil(PLAN.coldBurst / 2)
      const a = pair.origins['gateway-a']
      const b = pair.origins['gateway-b']
      if (!a || !b) throw new Error('the two gateway instances have no sockets')
      const [fromA, fromB] = await Promise.all([
        burst(a, bearerReset(), half),
        burst(b, bearerReset(), PLAN.coldBurst - half),
      ])
      const statuses = [...fromA, ...fromB]
      coldBurst.push({
        iamCalls: upstream.counts().iam,
        non2xx: statuses.filter((s) => s < 200 || s > 299).length,
        perInstance: [fromA.length, fromB.length],
      })
    } finally {
      await pair.dispose()
    }
  }
  return { sequential, coldBurst }
}
