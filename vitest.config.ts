import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

/**
 * Two projects:
 * - `node`: pure modules (fast, injected clocks, fast-check) and the emulator's own fidelity tests,
 *   including the official Huawei IAM SDK talking to it.
 * - `workers`: the gateway inside workerd (the real runtime), driven against the emulator that
 *   `test/support/global-setup.ts` starts on 127.0.0.1.
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
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => {
            const emulator = inject<string>('emulatorUrl')
            return {
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  DIS_ENDPOINT: emulator,
                  IAM_ENDPOINT: emulator,
                  IAM_PASSWORD: 'S3cret!',
                  GATEWAY_CLIENTS: '[]',
                },
              },
            }
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['./test/support/global-setup.ts'],
          setupFiles: ['./test/support/log-capture.ts'],
        },
      },
    ],
  },
})
