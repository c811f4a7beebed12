/**
 * The configuration `npm run dev` hands to `wrangler dev` (README "Local development"): what the
 * developer's `.dev.vars` (or `.env`) says, what the emulator forces, and the env file that
 * carries it all. Pure apart from reading the developer's files, so the rules can be tested.
 */
import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'

/**
 * Set by dev itself because the gateway talks to the local emulator: its endpoints, its project,
 * its IAM user and that user's password. A developer's value for one of these (e.g. a real
 * `IAM_PASSWORD`) is ignored, with a notice, and never sent anywhere.
 */
export const EMULATOR_OWNED = [
  'DIS_ENDPOINT',
  'IAM_ENDPOINT',
  'DIS_PROJECT_ID',
  'IAM_DOMAIN_NAME',
  'IAM_USER_NAME',
  'IAM_PASSWORD',
] as const

export interface DeveloperSettings {
  /** The file(s) read, for the banner; empty when there were none. */
  sources: string[]
  values: Record<string, string>
}

/**
 * The developer's settings, chosen as `wrangler dev` chooses them: `.dev.vars` if it exists,
 * otherwise `.env` then `.env.local` (a later file wins). Read with Node's dotenv parser; no
 * `$VAR` expansion (a value is taken literally).
 */
export function readDeveloperSettings(devVarsPath?: string): DeveloperSettings {
  const candidates = devVarsPath
    ? [devVarsPath]
    : existsSync('.dev.vars')
      ? ['.dev.vars']
      : ['.env', '.env.local'].filter((path) => existsSync(path))
  if (devVarsPath && !existsSync(devVarsPath)) {
    throw new Error(`${devVarsPath} does not exist`)
  }
  const values: Record<string, string> = {}
  for (const path of candidates) Object.assign(values, parseEnv(readFileSync(path, 'utf8')))
  return { sources: candidates, values }
}

export interface DevPlan {
  /** What the env file holds: emulator-owned values, clients, the developer's overrides. */
  fileVars: Record<string, string>
  /** What the Worker will see: wrangler.jsonc `vars` overlaid with `fileVars`. */
  workerEnv: Record<string, string>
  ownClients: boolean
  /** One line each, never a value. */
  notices: string[]
}

/**
 * Combines wrangler.jsonc's `vars`, the emulator's identity, the developer's settings and the
 * demo clients. `settingNames` are the names the gateway reads (src/config/schema.ts).
 */
export function planDevConfig(options: {
  tomlVars: Record<string, string>
  developer: Record<string, string>
  emulator: Record<(typeof EMULATOR_OWNED)[number], string>
  demoClients: string
  settingNames: readonly string[]
}): DevPlan {
  const notices: string[] = []
  const fileVars: Record<string, string> = { ...options.emulator }
  const owned = new Set<string>(EMULATOR_OWNED)
  const known = new Set(options.settingNames)
  for (const [name, value] of Object.entries(options.developer)) {
    if (owned.has(name)) {
      notices.push(
        `${name} from your settings is not used: npm run dev points the gateway at the local emulator, which has its own`
      )
    } else if (known.has(name)) {
      fileVars[name] = value
    } else {
      notices.push(`${name} is not a gateway setting (README "Configuration"); ignored`)
    }
  }
  const ownClients = 'GATEWAY_CLIENTS' in options.developer
  if (!ownClients) fileVars.GATEWAY_CLIENTS = options.demoClients
  return {
    fileVars,
    workerEnv: { ...options.tomlVars, ...fileVars },
    ownClients,
    notices,
  }
}

/**
 * One `NAME='value'` line per entry, in the form wrangler's `--env-file` reader (dotenv, then
 * dotenv-expand) gives back unchanged: every `$` escaped (otherwise `$VAR` would be expanded),
 * and quotes the value does not contain (dotenv has no escape for a quote inside quotes).
 */
export function toEnvFile(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      const escaped = value.replaceAll('$', '\\$')
      const quote = ["'", '`', '"'].find(
        (q) => !escaped.includes(q) && (q !== '"' || !/\\[nr]/.test(escaped))
      )
      if (!quote) throw new Error(`${name} holds every quote character; dev cannot pass it on`)
      return `${name}=${quote}${escaped}${quote}\n`
    })
    .join('')
}
