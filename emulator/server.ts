// Starts an emulator instance: Huawei IAM token API + DIS checkpoint/stream APIs on one origin.
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { handleRequest, internalError } from './dispatch.ts'
import { createInstance } from './instance.ts'
import { defaultSeed } from './seed.ts'
import type { Seed } from './types.ts'

export interface EmulatorOptions {
  /** 0 = any free port (default). */
  port?: number
  /** Default '127.0.0.1'. */
  host?: string
  seed?: Seed
}

export interface RunningEmulator {
  /** 'http://127.0.0.1:PORT', no trailing slash. */
  url: string
  port: number
  close(): Promise<void>
}

export function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return start(options, null)
}

async function start(
  options: EmulatorOptions,
  onClosed: ((child: RunningEmulator) => void) | null
): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1'
  const children = new Set<RunningEmulator>()
  const closing = new AbortController()
  const sockets = new Set<Socket>()
  let running: RunningEmulator | undefined

  const inst = createInstance(options.seed ?? defaultSeed(), {
    closing: closing.signal,
    // Spawned instances: own state, counters and faults; closed with their parent.
    spawn: async (seed) => {
      const child = await start({ host, port: 0, seed }, (c) => children.delete(c))
      children.add(child)
      return child.url
    },
    shutdown: onClosed ? () => void running?.close() : null,
  })

  // Tokens are several KB (docs/upstream.md § IAM token: plan for ≥ 16 KB headers).
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    handleRequest(inst, req, res).catch((err: unknown) => internalError(inst, res, err))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  inst.origin = url

  let closed: Promise<void> | undefined
  const self: RunningEmulator = {
    url,
    port,
    close() {
      closed ??= (async () => {
        closing.abort()
        await Promise.all([...children].map((c) => c.close()))
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        // Hanging requests and keep-alive connections would keep server.close() waiting.
        for (const socket of sockets) socket.destroy()
        await stopped
        onClosed?.(self)
      })()
      return closed
    },
  }
  running = self
  return self
}
