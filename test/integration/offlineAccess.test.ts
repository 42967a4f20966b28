import { describe, expect, it } from 'vitest'
import { createGrantflow, defineApi, defineEndpoint, shape, type ConsentNavigator } from '../../src/index.js'
import { exchangeCode, startAuthorization, validateCallback } from '../../src/protocol.js'
import { CookieJar, createBrowser, loginAndConsent } from '../support/interact.js'
import { OBLIGATIONS } from '../support/resourceServer.js'
import { COMPANY, localProvider, oauthContext, useOidcServer, VRN } from './localWorld.js'

// oidc-provider's own refresh token policy: a refresh token only when offline_access was granted,
// and offline_access only on an authorization request with prompt=consent (OpenID Connect Core §11).
const server = useOidcServer({ refreshTokens: 'offline_access' })
const SCOPES = ['openid', 'offline_access', 'read:vat']

/** Authorizes the public client for `scopes` with the protocol steps alone, and exchanges the code. */
async function authorize(scopes: string[], extraParameters?: Record<string, string>, cookieJar?: CookieJar) {
  const context = await oauthContext(server(), server().clients.public)
  const { url, pending } = await startAuthorization({ as: context.as, client: context.client, scopes, now: Date.now(), extraParameters })
  const callback = validateCallback(context, await loginAndConsent(url, { cookieJar }), pending)
  return { url: new URL(url), tokens: await exchangeCode(context, callback, pending) }
}

describe('offline_access at a provider that follows OpenID Connect Core §11', () => {
  it('issues a refresh token when offline_access is asked for with prompt=consent, and none with another prompt', async () => {
    const cookieJar = new CookieJar()
    // An app's own prompt is kept (grantflow adds consent only when none is given).
    const withoutPrompt = await authorize(SCOPES, { prompt: 'login' }, cookieJar)
    const withPrompt = await authorize(SCOPES, { prompt: 'consent' }, cookieJar)

    expect(withoutPrompt.tokens.refreshToken).toBeUndefined()
    expect(withPrompt.tokens.refreshToken).toEqual(expect.any(String))
  })

  it('asks with prompt=consent when offline_access is among OpenID scopes, so the refresh token comes', async () => {
    // OpenID Connect Core §11: "When offline access is requested, a prompt parameter value of
    // consent MUST be used unless other conditions for processing the request permitting offline
    // access to the requested resources are in place."
    const { url, tokens } = await authorize(SCOPES)
    expect(url.searchParams.get('prompt')).toBe('consent')
    expect(tokens.refreshToken).toEqual(expect.any(String))
  })

  it('counts offline_access among the granted scopes when the refresh token proves it, although the access token is for the API', async () => {
    const { tokens } = await authorize(SCOPES, { prompt: 'consent' })
    // The token response's scope is the resource-bound access token's (read:vat): as for openid,
    // what proves offline_access was granted is the refresh token that came with it.
    expect(tokens.refreshToken).toEqual(expect.any(String))
    expect(tokens.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access', 'read:vat']))
  })

  it('makes a call to an endpoint that declares offline_access after one consent, and the next without asking again', async () => {
    const api = defineApi({
      id: 'vat',
      name: 'VAT',
      provider: localProvider(server()),
      endpoints: {
        obligations: defineEndpoint({
          method: 'GET',
          path: '/organisations/vat/{vrn}/obligations',
          scopes: SCOPES,
          apiUser: 'company',
          result: shape<{ obligations: typeof OBLIGATIONS }>(),
        }),
      },
    })
    const browser = createBrowser()
    const navigator: ConsentNavigator = {
      mode: 'custom',
      async open(url) {
        await grantflow.completeAuthorization(await browser.loginAndConsent(url)).catch(() => undefined)
      },
    }
    const grantflow = createGrantflow({
      apis: { vat: api },
      clients: { local: server().clients.public },
      environment: 'local',
      apiUser: { company: () => COMPANY.id },
      navigator,
    })
    const recorded = server().recordFromNow()

    await expect(grantflow.apis.vat.obligations({ vrn: VRN })).resolves.toEqual({ obligations: OBLIGATIONS })
    await expect(grantflow.apis.vat.obligations({ vrn: VRN })).resolves.toEqual({ obligations: OBLIGATIONS })
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent'])
    expect(recorded.served().map((s) => s.status)).toEqual([200, 200])
    const [session] = await grantflow.sessions.list(COMPANY)
    expect(session?.tokens?.refreshToken).toEqual(expect.any(String))
  })
})
