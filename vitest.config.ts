import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { DEMO } from './emulator/demo.ts'
import { IAM_PASSWORD } from './test/support/fixtures.ts'

/**
 * The secrets wrangler.jsonc lists under `secrets.required`, with test values (the emulator's
 * password; clients are set per test by `startGateway`). wrangler checks that list against
 * `.dev.vars`, `.env` and `process.env` while the plugin reads wrangler.jsonc — before the
 * plugin's `miniflare.bindings` are merged — so without them here it warns "Missing required
 * secrets" for values the tests do provide. Assigned (not defaulted): tests never see a real
 * secret from the developer's shell.
 */
const TEST_SECRETS = { IAM_PASSWORD, GATEWAY_CLIENTS: '[]' }
/**
 * The identity wrangler.jsonc leaves empty on purpose (README "Deploy": the shipped file is not a
 * deployable configuration): the emulator's demo project and IAM user, as `npm run dev` uses.
 */
const TEST_IDENTITY = {
  DIS_PROJECT_ID: DEMO.projectId,
  IAM_DOMAIN_NAME: DEMO.domainName,
  IAM_USER_NAME: DEMO.userName,
}
Object.assign(process.env, TEST_SECRETS)
// wrangler then says "Using secrets defined in process.env" (info) once per test file; its
// warnings and errors still show. WRANGLER_LOG=info (or debug) in the shell brings it back.
process.env.WRANGLER_LOG ??= 'warn'

/**
 * Two projects:
 * - `node`: pure modules (fast, injected clocks, fast-check) and the emulator's own fidelity tests,
 *   including the official Huawei IAM SDK talking to it.
 * - `workers`: the gateway inside workerd (the real runtime), driven against the emulator that
 *   `test/support/global-setup.ts` starts on 127.0.0.1.
 *
 * Both isolate test files, on purpose: node files install console spies without restoring them
 * (e.g. test/node/keygen.test.ts), and the Workers pool starts one runner per file anyway. Saying
 * so explicitly also stops vitest from suggesting `isolate: false` after every run.
 */
export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          isolate: true,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => {
            const emulator = inject<string>('emulatorUrl')
            return {
              wrangler: { configPath: './wrangler.jsonc' },
              // Without `--verbose`, workerd no longer prints an "uncaught exception … Network
              // connection lost" block for every fetch the emulator resets on purpose, although
              // the gateway catches that rejection (a plain `await fetch(…).catch()` prints it
              // too). Real failures stay loud: unhandled rejections and errors in the worker
              // still fail the run through vitest. WORKERD_VERBOSE=1 turns the details back on.
              verbose: process.env.WORKERD_VERBOSE === '1',
              miniflare: {
                bindings: {
                  DIS_ENDPOINT: emulator,
                  IAM_ENDPOINT: emulator,
                  ...TEST_IDENTITY,
                  ...TEST_SECRETS,
                },
              },
            }
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/worker/**/*.test.ts'],
          isolate: true,
          globalSetup: ['./test/support/global-setup.ts'],
          setupFiles: ['./test/support/log-capture.ts'],
        },
      },
    ],
  },
})
