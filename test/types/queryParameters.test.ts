// Query parameters are typed from the endpoint's declaration: `npm run typecheck` covers this file,
// so each `@ts-expect-error` below fails the check the day a misspelt or undeclared key compiles.
import { describe, expect, it } from 'vitest'
import { defineApi, defineEndpoint, hmrc, shape, type EndpointFunction } from '../../src/index.js'
import { useMsw, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()

const declared = defineApi({
  id: 'declared',
  name: 'Declarations only',
  provider: hmrc,
  endpoints: {
    noParameters: defineEndpoint({ method: 'GET', path: '/status' }),
    pathOnly: defineEndpoint({ method: 'GET', path: '/organisations/vat/{vrn}/returns/{periodKey}' }),
    queryOnly: defineEndpoint({ method: 'GET', path: '/search', query: shape<{ q: string; page?: number }>() }),
  },
})
type Call<K extends keyof (typeof declared)['endpoints']> = EndpointFunction<(typeof declared)['endpoints'][K]>

describe('typed query parameters', () => {
  it('sends the declared query parameters and refuses, at compile time, a misspelt one', async () => {
    const { grantflow } = vatWorld({ server })
    const { obligations } = await grantflow.apis.vat.obligations({ vrn: VRN, status: 'F', from: '2025-01-01', to: '2025-12-31' })
    expect(obligations.length).toBeGreaterThan(0)
    expect(obligations.every((o) => o.status === 'F')).toBe(true)

    const typeChecksOnly = () => {
      // @ts-expect-error `form` is not a declared query parameter of obligations (`from` is)
      void grantflow.apis.vat.obligations({ vrn: VRN, form: '2025-01-01', to: '2025-12-31' })
      // @ts-expect-error a declared parameter's type is kept: status is 'O' | 'F'
      void grantflow.apis.vat.obligations({ vrn: VRN, status: 'X' })
      // @ts-expect-error viewReturn declares no query: only its path parameters are taken
      void grantflow.apis.vat.viewReturn({ vrn: VRN, periodKey: '#001', status: 'O' })
    }
    expect(typeof typeChecksOnly).toBe('function')
  })

  it('types parameters for every shape of declaration', () => {
    const calls = {
      noParameters: ((params) => Promise.resolve(params)) as Call<'noParameters'>,
      pathOnly: ((params) => Promise.resolve(params)) as Call<'pathOnly'>,
      queryOnly: ((params) => Promise.resolve(params)) as Call<'queryOnly'>,
    }
    void calls.noParameters({})
    void calls.pathOnly({ vrn: VRN, periodKey: '#001' })
    void calls.queryOnly({ q: 'vat', page: 2 })
    // @ts-expect-error an endpoint with no parameters takes no key
    void calls.noParameters({ q: 'vat' })
    // @ts-expect-error a path parameter is required
    void calls.pathOnly({ vrn: VRN })
    // @ts-expect-error a required query parameter is required
    void calls.queryOnly({ page: 2 })
    // @ts-expect-error a misspelt query parameter
    void calls.queryOnly({ q: 'vat', pgae: 2 })
    expect(Object.keys(calls)).toEqual(Object.keys(declared.endpoints))
  })
})
