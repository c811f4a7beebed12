/** The workers every case is built from: which bundle, which bindings, which requests. */
import type { Bundles } from './build.ts'
import {
  baselineBindings,
  type GatewayVars,
  gatewayBindings,
  moveBody,
  REQUEST_HEADERS,
  resetPath,
  rotatingPartitions,
  WEBHOOK_CLIENT,
} from './config.ts'
import type { RequestShape } from './load.ts'
import type { WorkerSpec } from './runtime.ts'
import type { GatewayWiring } from './wiring.ts'

export interface Targets {
  raw(): WorkerSpec
  /** The raw passthrough with the OpenAPI document inlined (build.ts openapiProbe). */
  openapiProbe(): WorkerSpec
  /**
   * The bare Hono worker: one DELETE, or (snapshot) the same GET + DELETE as a full reset;
   * `sameBindings` gives it the gateway's Durable Object namespaces and rate limiter (bound to
   * empty classes) for the cold-start comparison.
   */
  hono(snapshot: boolean, sameBindings?: boolean): WorkerSpec
  /** The gateway bundle behind the bench entry (in-memory rate limiter, gateway-entry.js). */
  gateway(vars: GatewayVars, name?: string, wiring?: GatewayWiring): WorkerSpec
  /** The gateway bundle alone, with Miniflare's simulated rate limiter: diagnostics only (the
   * one target that runs through Miniflare, which simulates that binding). */
  gatewaySimulatedLimiter(vars: GatewayVars): WorkerSpec
}

export function targets(bundles: Bundles, wiring: GatewayWiring, upstreamUrl: string): Targets {
  return {
    raw: () => ({
      name: 'raw',
      scriptPath: bundles.raw.path,
      bindings: baselineBindings(upstreamUrl),
    }),
    openapiProbe: () => ({
      name: 'raw-openapi',
      scriptPath: bundles.openapiProbe.path,
      bindings: baselineBindings(upstreamUrl),
    }),
    hono: (snapshot, sameBindings = false) => ({
      name: snapshot ? 'hono-get-delete' : 'hono',
      scriptPath: bundles.hono.path,
      bindings: baselineBindings(upstreamUrl, snapshot),
      ...(sameBindings ? { wiring } : {}),
    }),
    gateway: (vars, name = 'gateway', own = wiring) => ({
      name,
      scriptPath: bundles.gatewayEntry.entry,
      imports: [bundles.gatewayEntry.bundle],
      bindings: gatewayBindings(upstreamUrl, vars),
      wiring: own,
    }),
    gatewaySimulatedLimiter: (vars) => ({
      name: 'gateway-simulated-limiter',
      scriptPath: bundles.gateway.path,
      bindings: gatewayBindings(upstreamUrl, vars),
      wiring,
      engine: 'miniflare',
    }),
  }
}

/**
 * `DELETE /v1/checkpoints?…` with the bench client's key: of `partition`, or (under load) of the
 * next partition in turn, so concurrent resets do not queue on one partition's lease.
 */
export function bearerReset(partition?: string): RequestShape {
  const shape: RequestShape = {
    method: 'DELETE',
    path: resetPath(partition),
    headers: REQUEST_HEADERS,
  }
  if (partition !== undefined) return shape
  const nextPartition = rotatingPartitions()
  return { ...shape, next: () => ({ path: resetPath(nextPartition()) }) }
}

/** `POST /v1/resets`: "rewind 1 hour" of one partition in turn (a time move), with the bench client's key. */
export function bearerMove(): RequestShape {
  const nextPartition = rotatingPartitions()
  return {
    method: 'POST',
    path: '/v1/resets',
    headers: { ...REQUEST_HEADERS, 'content-type': 'application/json' },
    body: moveBody(),
    next: () => ({ body: moveBody(nextPartition()) }),
  }
}

export const HEALTHZ: RequestShape = { method: 'GET', path: '/healthz', headers: {} }

/**
 * `POST /v1/hooks/hook`: a reset of one partition in turn in the body. Every delivery needs a
 * fresh `webhook-id` (the replay guard answers a repeated one from its store, which is another
 * path), so `next` hands out pre-signed deliveries (headers and body) from a pool.
 */
export function webhookReset(pool: {
  next(): { headers: Record<string, string>; body: string }
}): RequestShape {
  return {
    method: 'POST',
    path: `/v1/hooks/${WEBHOOK_CLIENT}`,
    headers: { 'content-type': 'application/json' },
    next: () => pool.next(),
  }
}
