// The real-client test: Huawei's official Node.js IAM SDK (@huaweicloud/huaweicloud-sdk-iam
// 3.1.172) obtains a token from the emulator, offline.
//
// Workarounds, found by reading the SDK source in node_modules:
// - The package's main entry is broken (it requires './GlobalCredentials,BasicCredentials');
//   import `v3/public-api.js` instead. Credentials come from the core package's main entry.
// - The SDK signs every request with AK/SK (`BaseCredentials.processAuthRequest` throws without
//   them), even this no-auth API: any dummy AK/SK works, IAM ignores the signature.
// - `withEndpoint(url)` instead of `withRegion(...)`: no region means no project/domain-id lookup
//   call to IAM, and http://127.0.0.1 is used as given.
// - Proxy env vars are ignored: the SDK creates axios with `proxy: false` (no proxy agent unless
//   `withProxyAgent` is called), so nothing leaves loopback.
// - The result is the parsed body with the `X-Subject-Token` response header copied onto it
//   (`DefaultHttpClient._formatHttpResponse` + `responseHeaders: ['X-Subject-Token']`).
// - On any error the SDK logs the whole failed request (body with the password included) to
//   stdout through a global log4js logger; silence it with `Logger4jInstance.level = 'off'`.
import { GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core'
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js'
import {
  AuthScope,
  AuthScopeProject,
  IamClient,
  KeystoneCreateUserTokenByPasswordRequest,
  KeystoneCreateUserTokenByPasswordRequestBody,
  PwdAuth,
  PwdIdentity,
  PwdPassword,
  PwdPasswordUser,
  PwdPasswordUserDomain,
} from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EmulatorClient, emulatorClient } from '../../../emulator/client.ts'
import { DEMO, streamUrl } from '../../../emulator/demo.ts'
import { type RunningEmulator, startEmulator } from '../../../emulator/server.ts'

Logger4jInstance.level = 'off'

let emu: RunningEmulator
let ctl: EmulatorClient
beforeAll(async () => {
  emu = await startEmulator()
  ctl = emulatorClient(emu.url)
})
afterAll(() => emu.close())

function sdkClient() {
  return IamClient.newBuilder()
    .withCredential(new GlobalCredentials().withAk('DUMMY-AK').withSk('DUMMY-SK'))
    .withEndpoint(emu.url)
    .build()
}

/** The T1 request, built with the SDK's own model classes. */
function t1Request(password: string = DEMO.password) {
  const user = new PwdPasswordUser()
    .withName(DEMO.userName)
    .withPassword(password)
    .withDomain(new PwdPasswordUserDomain().withName(DEMO.domainName))
  const auth = new PwdAuth()
    .withIdentity(
      new PwdIdentity().withMethods(['password']).withPassword(new PwdPassword().withUser(user))
    )
    .withScope(new AuthScope().withProject(new AuthScopeProject().withId(DEMO.projectId)))
  return new KeystoneCreateUserTokenByPasswordRequest()
    .withBody(new KeystoneCreateUserTokenByPasswordRequestBody().withAuth(auth))
    .withNocatalog('true')
}

describe('official IAM SDK against the emulator', () => {
  it('keystoneCreateUserTokenByPassword returns the issued X-Subject-Token and token.expires_at', async () => {
    await ctl.reset()
    const result = await sdkClient().keystoneCreateUserTokenByPassword(t1Request())
    // The typings promise getters (`xSubjectToken`, `token.expiresAt`), but at runtime the result
    // is the parsed JSON body plus the copied header, so read the wire names.
    const raw = result as unknown as {
      'X-Subject-Token'?: string
      httpStatusCode?: number
      token?: { expires_at?: string; catalog?: unknown[]; project?: { id?: string } }
    }
    const issued = await ctl.tokens()
    expect(issued).toHaveLength(1)
    expect(raw['X-Subject-Token']).toBe(issued[0])
    expect(raw.httpStatusCode).toBe(201)
    expect(raw.token?.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    expect(Date.parse(raw.token?.expires_at ?? '')).toBeGreaterThan(Date.now() + 23 * 3600 * 1000)
    expect(raw.token?.project?.id).toBe(DEMO.projectId)
    expect(raw.token?.catalog).toEqual([])

    // What the SDK actually sent (useful when comparing with the gateway's own request).
    const [call] = (await ctl.calls()).requests
    expect(call?.query).toEqual({ nocatalog: ['true'] })
    expect(call?.headers['content-type']).toMatch(/^application\/json/)
    expect(call?.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=DUMMY-AK,/)

    // The token works on DIS.
    const res = await fetch(streamUrl(emu.url, 'orders'), {
      headers: { 'X-Auth-Token': issued[0] ?? '' },
    })
    expect(res.status).toBe(200)
  })

  it('a wrong password surfaces as ClientRequestException 401 with the nested message', async () => {
    const err = await sdkClient()
      .keystoneCreateUserTokenByPassword(t1Request('wrong'))
      .then(
        () => null,
        (e: unknown) => e as { httpStatusCode?: number; errorMsg?: string; errorCode?: unknown }
      )
    expect(err?.httpStatusCode).toBe(401)
    expect(err?.errorMsg).toBe('The username or password is wrong.')
    expect(err?.errorCode).toBe(401)
  })
})
