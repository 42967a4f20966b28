import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defineApi, defineEndpoint, defineProvider, shape, type ApiUser } from '../../src/index.js'
import { createTargetResolver, resolveTarget, type TargetConfig } from '../../src/runtime/targets.js'

// The cached target resolver builds a target for a user it has not kept from its endpoint's,
// computing only the key: it must be the target resolved from scratch, whoever the user is.

const base = 'https://api.example'
const provider = defineProvider({
  id: 'local',
  name: 'Local',
  environments: { local: { authorizationServer: { authorizationEndpoint: `${base}/authorize`, tokenEndpoint: `${base}/token` }, apiBaseUrl: base } },
})
const vat = defineApi({
  id: 'vat',
  name: 'VAT',
  provider,
  endpoints: {
    obligations: defineEndpoint({ method: 'GET', path: '/obligations/{vrn}', scopes: ['read:vat'], apiUser: 'company', result: shape<unknown>() }),
    lookup: defineEndpoint({ method: 'GET', path: '/lookup', scopes: ['read:public', 'read:vat'], apiUser: 'application', result: shape<unknown>() }),
  },
})
const config: TargetConfig = { apis: { vat }, clients: {}, environment: 'local' }

describe('the cached target resolver', () => {
  it('gives every user the target resolveTarget gives, with the user and its own session key', () => {
    const resolve = createTargetResolver(config)
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 30 }), (ids) => {
        for (const id of ids) {
          const apiUser: ApiUser = { kind: 'company', id }
          const call = { api: 'vat', endpoint: 'obligations', params: {}, apiUser }
          const target = resolve(call)
          expect(target).toEqual(resolveTarget(config, call))
          expect(target.apiUser).toEqual(apiUser)
        }
        const keys = new Set(ids.map((id) => resolve({ api: 'vat', endpoint: 'obligations', params: {}, apiUser: { kind: 'company', id } }).key))
        expect(keys.size).toBe(new Set(ids).size)
      }),
    )
  })

  it("keeps the application's session key by its scopes", () => {
    const resolve = createTargetResolver(config)
    const call = { api: 'vat', endpoint: 'lookup', params: {} }
    expect(resolve(call)).toEqual(resolveTarget(config, call))
    expect(resolve(call).key).toContain(encodeURIComponent('read:public read:vat'))
  })
})
