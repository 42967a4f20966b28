import { describe, expect, it } from 'vitest'
import { COMPANY, localWorld, useOidcServer, VRN } from './localWorld.js'

const server = useOidcServer()

describe('an endpoint that also asks who signed in (the openid scope)', () => {
  it('replays the call once the user consented, knows who signed in, and makes the next call without asking again', async () => {
    const { grantflow, browser, askedScopes, recorded } = localWorld(server())
    const { obligations } = await grantflow.apis.vat.obligationsSignedIn({ vrn: VRN })
    await grantflow.apis.vat.obligationsSignedIn({ vrn: VRN })

    expect(obligations.length).toBeGreaterThan(0)
    expect(askedScopes()).toEqual(['openid read:vat'])
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent'])
    const [session] = await grantflow.sessions.list(COMPANY)
    expect(session?.tokens?.idTokenClaims).toMatchObject({ sub: 'alice' })
    // The provider's access token is for the resource server, so its scope (the token
    // response's `scope`) is read:vat: the id_token is what proves openid was granted.
    expect(recorded.served().map((s) => [s.status, s.scopes])).toEqual([
      [200, ['read:vat']],
      [200, ['read:vat']],
    ])
    // The second call went straight to the API: one trip to the provider, one code exchange.
    expect(recorded.requestsTo('authorization')).toHaveLength(1)
    expect(recorded.requestsTo('token')).toHaveLength(1)
  })
})
