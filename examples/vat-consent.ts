// A user's consent, the Node way (a server or a script): the call says where to send the user;
// the redirect route completes the authorization; the pending call is then replayed once.
// Run: npm run example:consent
import { setupServer } from 'msw/node'
import { ConsentRequiredError, createGrantflow, defineApi, defineClient, defineEndpoint, hmrc, shape } from 'grantflow'
import { createProviderKit, hmrcVatRoutes, type VatReturn } from 'grantflow/testing'

// A fake HMRC sandbox (authorization server and VAT API), so this runs with no account.
const returns = hmrcVatRoutes()
const kit = createProviderKit({ provider: hmrc, environment: 'sandbox', api: returns })
const server = setupServer(...kit.handlers)
server.listen()

const vat = defineApi({
  id: 'vat',
  name: 'VAT (Making Tax Digital)',
  provider: hmrc,
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

const grantflow = createGrantflow({
  apis: { vat },
  clients: { hmrc: defineClient({ clientId: 'test-client', redirectUri: 'http://localhost:3000/callback' }) },
  environment: 'sandbox',
  apiUser: { company: () => 'acme-ltd' },
})

const vatReturn: VatReturn = {
  periodKey: '#001',
  vatDueSales: 1000,
  vatDueAcquisitions: 0,
  totalVatDue: 1000,
  vatReclaimedCurrPeriod: 250,
  netVatDue: 750,
  totalValueSalesExVAT: 5000,
  totalValuePurchasesExVAT: 1250,
  totalValueGoodsSuppliedExVAT: 0,
  totalAcquisitionsExVAT: 0,
  finalised: true,
}

try {
  await grantflow.apis.vat.submitReturn({ vrn: '123456789' }, vatReturn)
} catch (error) {
  if (!(error instanceof ConsentRequiredError)) throw error
  console.log(`${error.api.name} needs consent at ${error.provider.name} for ${error.scopes.join(' ')}`)
  // A server redirects the user to error.authorizationUrl, setting a cookie only their browser
  // will bring back: Set-Cookie: consent=<error.binding>; HttpOnly; Secure; SameSite=Lax; Path=/callback
  const cookie = error.binding
  // The user consents; the fake HMRC plays that part here.
  const callbackUrl = await kit.authorize(error.authorizationUrl!)
  // What the route at the redirect URI does: the callback counts only with that browser's cookie.
  const { call } = await grantflow.completeAuthorization(callbackUrl, { binding: cookie })
  const receipt = await grantflow.call(call!)
  console.log('submitted once:', receipt, `(HMRC received ${returns.submissions.length} return)`)
}
server.close()
