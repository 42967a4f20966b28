// One tab of an app whose tabs share their sessions: the IndexedDB store, Web Locks and
// BroadcastChannel, against the embedded oidc-provider of the dev server serving this page. The
// browser test drives it through `window.tab`. The consent is opened by the test (in whichever
// page it likes), not by this page, so the test can see how many tabs asked for one.
import {
  createBroadcastSync,
  createGrantflow,
  createIndexedDbStore,
  createWebLock,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  hmrc,
  shape,
  type ConsentNavigator,
} from 'grantflow'

const local = defineProvider({
  ...hmrc,
  environments: {
    local: { authorizationServer: { issuer: `${location.origin}/oidc`, discovery: 'oidc' }, apiBaseUrl: `${location.origin}/api/local` },
  },
})

const vat = defineApi({
  id: 'vat',
  name: 'VAT',
  provider: local,
  endpoints: {
    obligations: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/{vrn}/obligations',
      scopes: ['read:vat'],
      apiUser: 'company',
      query: shape<{ from: string; to: string }>(),
      result: shape<{ obligations: unknown[] }>(),
    }),
  },
})

/** The authorization URLs this tab was asked to open. */
const opened: string[] = []
const navigator: ConsentNavigator = { mode: 'custom', open: (url) => void opened.push(url) }

const grantflow = createGrantflow({
  apis: { vat },
  clients: { hmrc: defineClient({ clientId: 'ledgerline-web', redirectUri: `${location.origin}/callback` }) },
  environment: 'local',
  apiUser: { company: () => 'acme-trading' },
  navigator,
  store: createIndexedDbStore(),
  lock: createWebLock(),
  sync: [createBroadcastSync()],
})

type Outcome = { ok: true; obligations: number } | { ok: false; error: string }

const tab = {
  opened,
  async call(): Promise<Outcome> {
    try {
      const { obligations } = await grantflow.apis.vat.obligations({ vrn: '123456789', from: '2025-01-01', to: '2025-12-31' })
      return { ok: true, obligations: obligations.length }
    } catch (error) {
      return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` }
    }
  },
  /** Completes the authorization the provider redirected this page with. */
  async complete(): Promise<Outcome> {
    try {
      await grantflow.completeAuthorization(location.href)
      return { ok: true, obligations: 0 }
    } catch (error) {
      return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` }
    }
  },
}

declare global {
  interface Window {
    tab?: typeof tab
  }
}
window.tab = tab
document.getElementById('status')!.textContent = 'ready'
