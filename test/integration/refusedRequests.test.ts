import { describe, expect, it } from 'vitest'
import { localWorld, useOidcServer, vatReturn, VRN } from './localWorld.js'

const server = useOidcServer()

describe('a request the resource server refused for its scope', () => {
  it('is sent once with the narrow token, then once after the step-up consent', async () => {
    const { grantflow, recorded } = localWorld(server())
    await grantflow.apis.vat.obligations({ vrn: VRN })
    await grantflow.apis.vat.submitReturnUnderdeclared({ vrn: VRN }, vatReturn())

    // The 403 already says what is missing: sending the same POST again with the same token
    // before asking the user can only be refused again.
    expect(recorded.served().map((s) => [s.method, s.status, s.error])).toEqual([
      ['GET', 200, undefined],
      ['POST', 403, 'insufficient_scope'],
      ['POST', 201, undefined],
    ])
  })
})
