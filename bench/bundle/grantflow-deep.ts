// What-if, for the bundle analysis: grantflow.ts's job imported module by module instead of from
// the package entry. esbuild's code splitting assigns whole files to chunks by what the entry
// reaches statically, before tree shaking; the entry re-exports the protocol steps, so every
// chunk grantflow loads on first need becomes a static import of the page. This entry reaches
// only what the app uses: the size a `grantflow` entry without the steps' re-exports would give.
import { defineApi, defineEndpoint, shape } from '../../src/model/api.js'
import { defineClient } from '../../src/model/client.js'
import { hmrc } from '../../src/providers/hmrc.js'
import { createGrantflow } from '../../src/runtime/createGrantflow.js'
import { createRedirectNavigator } from '../../src/runtime/navigation.js'
import { createBrowserStore } from '../../src/session/browserStore.js'

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
