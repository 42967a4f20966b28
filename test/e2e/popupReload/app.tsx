// An app that consents in a popup, as a new user writes it from the README: the browser store
// (the pending authorization and its call in sessionStorage), the popup navigator, useCall with
// <AuthorizationWizard>, and <AuthorizationCallback> at the redirect URI, against the embedded
// oidc-provider of the dev server serving this page. The browser test reloads this page while
// the popup is at the provider.
import { createRoot } from 'react-dom/client'
import { createBrowserStore, createGrantflow, createPopupNavigator, defineApi, defineClient, defineEndpoint, defineProvider, hmrc, shape } from 'grantflow'
import { AuthorizationCallback, AuthorizationWizard, describeError, GrantflowProvider, useCall, useResumedConsent } from 'grantflow/react'
import type { VatReturn } from 'grantflow/testing'
import { vatReturn } from '../../support/vatReturn.js'

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
    submitReturn: defineEndpoint({
      method: 'POST',
      path: '/organisations/vat/{vrn}/returns',
      scopes: ['write:vat'],
      apiUser: 'company',
      body: shape<VatReturn>(),
      result: shape<{ formBundleNumber: string }>(),
    }),
  },
})

// Who is signed in to the app: the test signs in as another company in this tab to check that a
// page of another API user does not complete the consent.
const company = sessionStorage.getItem('app.company') ?? 'acme-trading'

const grantflow = createGrantflow({
  apis: { vat },
  clients: { hmrc: defineClient({ clientId: 'ledgerline-web', redirectUri: `${location.origin}/callback` }) },
  environment: 'local',
  apiUser: { company: () => company },
  navigator: createPopupNavigator(),
  store: createBrowserStore(),
})

function ReturnForm() {
  const submit = useCall(vat, 'submitReturn')
  // A consent handed to this page that could not be completed is said, as the README shows.
  const resumed = useResumedConsent()
  return (
    <main>
      {resumed?.status === 'failed' && <p role="alert">{describeError(resumed.error!, { provider: 'HM Revenue & Customs', api: 'VAT' })}</p>}
      <p data-testid="status">{submit.status}</p>
      {submit.status === 'succeeded' && <h1>VAT return submitted: {submit.result?.formBundleNumber}</h1>}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          const periodKey = new FormData(event.currentTarget).get('periodKey') as string
          void submit.call({ vrn: '123456789' }, vatReturn(periodKey))
        }}
      >
        <label>
          Period key <input name="periodKey" required />
        </label>
        <button>Submit return</button>
      </form>
      <AuthorizationWizard wizard={submit.wizard} appName="Ledgerline" />
    </main>
  )
}

createRoot(document.getElementById('root')!).render(
  <GrantflowProvider grantflow={grantflow}>
    {location.pathname === '/callback' ? <AuthorizationCallback appName="Ledgerline" providerName="HM Revenue & Customs" /> : <ReturnForm />}
  </GrantflowProvider>,
)
;(window as { appReady?: boolean }).appReady = true
