// One call through the Vite dev server's local provider, headless: a Node runtime made as the README's
// quickstarts make one (the `local` environment of main.tsx, the consent of server.ts), a user who
// signs in as demo / demo and allows on the provider's own pages over HTTP, and the call replayed once.
import { ConsentRequiredError, createGrantflow, defineApi, defineClient, defineEndpoint, defineProvider, hmrc, shape } from 'grantflow'

/** A user at the provider's pages, by HTTP only: follows redirects, signs in, allows; stops at the redirect URI. */
async function signInAndAllow(authorizationUrl) {
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri')
  const cookies = new Map()
  let request = { url: authorizationUrl }
  for (let step = 0; step < 20; step++) {
    const response = await fetch(request.url, {
      method: request.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(request.form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(request.form && { body: request.form.toString() }),
    })
    for (const line of response.headers.getSetCookie()) {
      const [name, ...value] = line.split(';')[0].split('=')
      cookies.set(name.trim(), value.join('='))
    }
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location'), request.url).href
      await response.body?.cancel()
      if (location.split('?')[0] === redirectUri) return location
      request = { url: location }
      continue
    }
    const html = await response.text()
    const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, attributes, body]) => ({
      action: new URL(/\baction="([^"]*)"/.exec(attributes)?.[1] ?? request.url, request.url).href,
      password: /<input\b[^>]*\bname="password"/i.test(body),
      button:
        /<button\b[^>]*>([\s\S]*?)<\/button>/i
          .exec(body)?.[1]
          .replace(/<[^>]*>/g, '')
          .trim() ?? '',
    }))
    const login = forms.find((form) => form.password)
    const allow = forms.find((form) => form.button === 'Allow')
    if (response.status === 200 && login) request = { url: login.action, form: new URLSearchParams({ login: 'demo', password: 'demo' }) }
    else if (response.status === 200 && allow) request = { url: allow.action, form: new URLSearchParams() }
    else throw new Error(`the provider answered ${response.status} at ${new URL(request.url).pathname}: ${html.slice(0, 300)}`)
  }
  throw new Error(`no redirect to ${redirectUri} after 20 steps`)
}

/** Files a VAT return through the dev server at `origin`; resolves to its form bundle number. */
export async function fileReturnThroughDevServer(origin) {
  const vatProvider = defineProvider({
    ...hmrc,
    environments: { ...hmrc.environments, local: { authorizationServer: { issuer: `${origin}/oidc`, discovery: 'oidc' }, apiBaseUrl: `${origin}/api/local` } },
  })
  const vat = defineApi({
    id: 'vat',
    name: 'VAT (Making Tax Digital)',
    provider: vatProvider,
    endpoints: {
      submitReturn: defineEndpoint({
        method: 'POST',
        path: '/organisations/vat/{vrn}/returns',
        scopes: ['write:vat'],
        apiUser: 'company',
        body: shape(),
        result: shape(),
      }),
    },
  })
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'ledgerline-web', redirectUri: `${origin}/callback` }) },
    environment: 'local',
    apiUser: { company: () => 'acme-trading' },
  })
  const myReturn = {
    periodKey: '24A1',
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
    await grantflow.apis.vat.submitReturn({ vrn: '123456789' }, myReturn)
    throw new Error('the first call did not ask for consent')
  } catch (error) {
    if (!(error instanceof ConsentRequiredError) || !error.authorizationUrl) throw error
    const { call } = await grantflow.completeAuthorization(new URL(await signInAndAllow(error.authorizationUrl)), { binding: error.binding })
    if (!call) throw new Error('the completed authorization kept no call to replay')
    const result = await grantflow.call(call)
    if (!result?.formBundleNumber) throw new Error(`the replayed call answered ${JSON.stringify(result)}`)
    return result.formBundleNumber
  }
}
