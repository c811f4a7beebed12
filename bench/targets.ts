/** The workers every case is built from: which bundle, which bindings, which requests. */
import type { Bundles } from './build.ts'
import {
  baselineBindings,
  type GatewayVars,
  gatewayBindings,
  MOVE_BODY,
  REQUEST_HEADERS,
  resetPath,
  WEBHOOK_BODY,
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

/** `DELETE /v1/checkpoints?…` with the bench client's key. */
export function bearerReset(partition?: string): RequestShape {
  return { method: 'DELETE', path: resetPath(partition), headers: REQUEST_HEADERS }
}

/** `POST /v1/resets`: "rewind 1 hour" of one partition (a time move), with the bench client's key. */
export function bearerMove(): RequestShape {
  return {
    method: 'POST',
    path: '/v1/resets',
    headers: { ...REQUEST_HEADERS, 'content-type': 'application/json' },
    body: MOVE_BODY,
  }
}

export const HEALTHZ: RequestShape = { method: 'GET', path: '/healthz', headers: {} }

/**
 * `POST /v1/hooks/hook` with the same reset in the body. Every delivery needs a fresh
 * `webhook-id` (the replay guard answers a repeated one from its store, which is another
 * path), so `nextHeaders` hands out pre-signed headers from a pool.
 */
export function webhookReset(pool: { next(): Record<string, string> }): RequestShape {
  return {
    method: 'POST',
    path: `/v1/hooks/${WEBHOOK_CLIENT}`,
    headers: { 'content-type': 'application/json' },
    body: WEBHOOK_BODY,
    nextHeaders: () => pool.next(),
  }
}
