import { describe, expect, it } from 'vitest'
import { localWorld, useOidcServer, vatReturn, VRN } from './localWorld.js'

const server = useOidcServer()

describe('step-up consent for a wider scope', () => {
  it('asks for write:vat when the resource server answers 403 insufficient_scope, then submits the return once', async () => {
    const { grantflow, browser, askedScopes, recorded } = localWorld(server())
    await grantflow.apis.vat.obligations({ vrn: VRN })

    // Declared as needing read:vat only: the session's token is sent, and refused.
    const receipt = await grantflow.apis.vat.submitReturnUnderdeclared({ vrn: VRN }, vatReturn())
    expect(receipt.formBundleNumber).toMatch(/^\d{12}$/)

    // The second authorization asks for what the session had and what the resource server named.
    expect(askedScopes()).toEqual(['read:vat', 'read:vat write:vat'])
    // The provider remembers read:vat: its consent page asks the user only for write:vat.
    expect(browser.pages.map((page) => [page.kind, page.scopes])).toEqual([
      ['login', []],
      ['consent', ['read:vat']],
      ['consent', ['write:vat']],
    ])
    // The resource server refused the narrow token, then accepted the wider one. (How many times
    // the refused request is sent is pinned in refusedRequests.test.ts.)
    const served = recorded.served()
    expect(served[0]).toMatchObject({ method: 'GET', status: 200 })
    expect(served.slice(1, -1).map((s) => [s.method, s.status, s.error, s.scopes])).toContainEqual(['POST', 403, 'insufficient_scope', ['read:vat']])
    expect(served.at(-1)).toMatchObject({ method: 'POST', status: 201, scopes: ['read:vat', 'write:vat'] })
    expect(recorded.submissions()).toEqual([expect.objectContaining({ body: vatReturn(), sub: 'alice' })])
  })

  it('asks for the union of granted and declared scopes before calling, when the endpoint says what it needs', async () => {
    const { grantflow, askedScopes, recorded } = localWorld(server())
    await grantflow.apis.vat.obligations({ vrn: VRN })
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())

    expect(askedScopes()).toEqual(['read:vat', 'read:vat write:vat'])
    // No request was wasted on a token known to be too narrow.
    expect(recorded.served().map((s) => s.status)).toEqual([200, 201])
    // The earlier call still works with the wider session.
    await grantflow.apis.vat.obligations({ vrn: VRN })
    expect(askedScopes()).toHaveLength(2)
  })
})
