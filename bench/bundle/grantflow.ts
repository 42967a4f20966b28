// grantflow doing the peers' job in a single-page app: the callback handled when the page is the
// redirect URI (the saved call made once), otherwise an API called (consent on demand: the login).
import { createBrowserStore, createGrantflow, createRedirectNavigator, defineApi, defineClient, defineEndpoint, hmrc, shape } from 'grantflow'

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
  clients: { hmrc: defineClient({ clientId: 'app', redirectUri: `${location.origin}/callback` }) },
  environment: 'sandbox',
  store: createBrowserStore(),
  navigator: createRedirectNavigator(),
})

export async function main(): Promise<unknown> {
  if (location.pathname === '/callback') {
    const { call } = await grantflow.completeAuthorization(location.href)
    if (call) return grantflow.call(call)
  }
  return grantflow.apis.vat.obligations({ vrn: '123456789' })
}
