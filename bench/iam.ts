/**
 * IAM token economy, each case on a freshly started gateway (a new workerd process, so the
 * isolate's token cache is empty): 10 000 sequential requests on one keep-alive connection
 * should cost exactly one IAM call; a burst of 50 concurrent cold requests at most two.
 * Every fresh start also yields a start-up time sample.
 */
import { gatewayBindings, PLAN, resetPath } from './config.ts'
import { burst, load } from './load.ts'
import { type RunningWorker, startWorker } from './runtime.ts'
import type { Upstream } from './upstream.ts'

export interface IamResults {
  sequential: { requests: number; failures: number; iamCalls: number }
  /** One entry per fresh gateway. */
  cold: { iamCalls: number; non200: number }[]
  startupMs: number[]
}

async function freshGateway(scriptPath: string, upstream: Upstream): Promise<RunningWorker> {
  const worker = await startWorker({
    name: 'gateway',
    scriptPath,
    bindings: gatewayBindings(upstream.url),
  })
  // /healthz never calls upstream, so the token cache is still cold here.
  upstream.reset()
  return worker
}

export async function measureIam(scriptPath: string, upstream: Upstream): Promise<IamResults> {
  const startupMs: number[] = []

  const seq = await freshGateway(scriptPath, upstream)
  startupMs.push(seq.startupMs)
  let sequential: IamResults['sequential']
  try {
    const result = await load(`${seq.origin}${resetPath('7')}`, {
      connections: 1,
      amount: PLAN.sequentialRequests,
    })
    sequential = {
      requests: result.responses,
      failures: result.failures,
      iamCalls: upstream.counts().iam,
    }
  } finally {
    await seq.dispose()
  }

  const cold: IamResults['cold'] = []
  for (let i = 0; i < PLAN.coldStarts; i++) {
    const gateway = await freshGateway(scriptPath, upstream)
    startupMs.push(gateway.startupMs)
    try {
      const statuses = await burst(`${gateway.origin}${resetPath('7')}`, PLAN.coldBurst)
      cold.push({
        iamCalls: upstream.counts().iam,
        non200: statuses.filter((status) => status !== 200).length,
      })
    } finally {
      await gateway.dispose()
    }
  }
  return { sequential, cold, startupMs }
}
