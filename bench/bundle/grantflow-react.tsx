// grantflow's React layer doing the same job: a call made by useCall, consent through
// <AuthorizationWizard> (its look: the stylesheet, imported as an app does), the callback route
// through useAuthorizationCallback.
import { createRoot } from 'react-dom/client'
import { createGrantflow, createRedirectNavigator, createBrowserStore, defineApi, defineClient, defineEndpoint, hmrc, shape } from 'grantflow'
import { AuthorizationWizard, GrantflowProvider, useAuthorizationCallback, useCall } from 'grantflow/react'
import 'grantflow/react/styles.css'

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

function Obligations() {
  const obligations = useCall(vat, 'obligations')
  return (
    <>
      <button onClick={() => obligations.call({ vrn: '123456789' })}>Obligations</button>
      {obligations.status === 'succeeded' && <p>{obligations.result?.obligations.length}</p>}
      <AuthorizationWizard wizard={obligations.wizard} appName="Bench" />
    </>
  )
}

function Callback() {
  const { wizard } = useAuthorizationCallback()
  return <AuthorizationWizard wizard={wizard} appName="Bench" />
}

createRoot(document.getElementById('root')!).render(
  <GrantflowProvider grantflow={grantflow}>{location.pathname === '/callback' ? <Callback /> : <Obligations />}</GrantflowProvider>,
)
