import { AppError } from '../problems'
import { nextRetryDelay } from './attempt'
import type { Verdict } from './classify'
import type { RetryContext } from './context'

export interface RetryingOptions {
  maxAttempts: number
  /** One attempt, given its timeout. */
  once: (timeoutMs: number) => Promise<Verdict>
  /**
   * Called when the upstream rejected our token; returns true if a retry with a new one may follow.
   */
  onTokenRejected?: (error: AppError) => Promise<boolean>
}

/**
 * The gateway's single retry layer (retry at one layer only: stacked retry layers multiply attempts
 * — Amazon Builders' Library, "Timeouts, retries and backoff with jitter"). Runs `once` until it
 * succeeds, fails for good, the attempt budget is spent, or the deadline leaves no room. Returns
 * the successful verdict, otherwise throws the AppError that describes the last failure.
 */
export async function retrying(
  ctx: RetryContext,
  options: RetryingOptions
): Promise<Extract<Verdict, { kind: 'ok' }>> {
  const { deps } = ctx
  const policy = { ...deps.policy, maxAttempts: options.maxAttempts }
  let attempts = 0
  let lastError: AppError | undefined
  for (;;) {
    const remainingMs = ctx.deadline - deps.now()
    if (remainingMs < policy.minAttemptMs) {
      throw new AppError('upstream_timeout', {
        detail: 'The upstream call did not complete before the deadline',
      })
    }
    // Never hit the platform's subrequest limit (an exception we could not answer cleanly):
    // stop with the last failure, or a clear 503 if nothing was tried yet.
    if (ctx.subrequests.used >= ctx.subrequests.limit) {
      throw (
        lastError ??
        new AppError('upstream_unavailable', {
          detail: 'The gateway used all subrequests this call may make; retry the failed part',
          headers: { 'Retry-After': '1' },
          reason: `subrequest limit ${ctx.subrequests.limit} reached`,
        })
      )
    }
    attempts++
    ctx.subrequests.used++
    const verdict = await options.once(Math.min(policy.attemptTimeoutMs, remainingMs))
    switch (verdict.kind) {
      case 'ok':
        return verdict
      case 'fail':
        throw verdict.error
      case 'token_rejected':
        lastError = verdict.error
        if (attempts < policy.maxAttempts && (await options.onTokenRejected?.(verdict.error)))
          continue
        throw verdict.error
      case 'retry': {
        lastError = verdict.error
        const delay = nextRetryDelay({
          policy,
          attempts,
          throttled: verdict.throttled,
          retryAfterMs: verdict.retryAfterMs,
          remainingMs: ctx.deadline - deps.now(),
          random: deps.random,
        })
        if (delay === undefined) throw verdict.error
        await deps.sleep(delay)
      }
    }
  }
}
