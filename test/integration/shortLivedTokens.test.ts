import { describe, expect, it } from 'vitest'
import { COMPANY, localWorld, useOidcServer, VRN } from './localWorld.js'

// A provider whose access tokens live 2 seconds: shorter than grantflow's 30 s expiry leeway.
const server = useOidcServer({ accessTokenTtl: 2 })

describe('a provider with very short-lived access tokens', () => {
  it('makes the call with the token it just obtained after consent', async () => {
    const { grantflow, recorded } = localWorld(server())
    const { obligations } = await grantflow.apis.vat.obligations({ vrn: VRN })
    expect(obligations.length).toBeGreaterThan(0)
    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ grantType: 'authorization_code', status: 200 })])
    expect(recorded.served().map((s) => s.status)).toEqual([200])
  })

  it('refreshes on its own once the token has expired (a real wait), without asking the user again', async () => {
    const { grantflow, browser, recorded } = localWorld(server())
    await grantflow.apis.vat.obligations({ vrn: VRN })
    const [session] = await grantflow.sessions.list(COMPANY)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, session!.tokens!.expiresAt! - Date.now()) + 100))

    await grantflow.apis.vat.obligations({ vrn: VRN })
    expect(recorded.requestsTo('token').map((r) => `${r.grantType} ${r.status}`)).toEqual(['authorization_code 200', 'refresh_token 200'])
    expect(browser.pages.filter((page) => page.kind === 'consent')).toHaveLength(1)
    expect(recorded.served().map((s) => s.status)).toEqual([200, 200])
  })
})
