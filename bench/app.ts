// What a single-page app ships for grantflow's core: an API declared, a runtime created, a call
// made. The size bench bundles this file with every dependency inlined.
import { createBrowserStore, createGrantflow, createRedirectNavigator, defineApi, defineClient, defineEndpoint, hmrc, shape } from '../src/index.js'

const vat = defineApi({
  id: 'vat',
  name: 'VAT',
  provider: hmrc,
  endpoints: {
    obligations: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/{vrn}/obligations',
      scopes: ['read:vat'],
      result: shape<{ obligations: unknown[] }>(),
    }),
  },
})

const grantflow = createGrantflow({
  apis: { vat },
  clients: { hmrc: defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' }) },
  environment: 'sandbox',
  store: createBrowserStore(),
  navigator: createRedirectNavigator(),
})

export const obligations = () => grantflow.apis.vat.obligations({ vrn: '123456789' })
