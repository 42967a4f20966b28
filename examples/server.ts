// A server that calls an API per user, per company and as the application, with nothing to sign
// up for: the embedded provider (grantflow/dev, with its sign-in page: demo / demo) answers in the
// same process behind this server's origin, and sessions live in Postgres (PGlite in memory here;
// set DATABASE_URL for a real server). Open the printed URL, sign in, consent, and the call that
// needed consent is replayed once.
// Run: npm run example:server (PORT=0 picks a free port)
import { randomBytes } from 'node:crypto'
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConsentRequiredError, createGrantflow, defineApi, defineClient, defineEndpoint, defineProvider, hmrc, shape } from 'grantflow'
import { startDevProvider } from 'grantflow/dev'
import { createGrantflowHandlers, createPostgresStore, generateEncryptionKey, toNodeListener } from 'grantflow/server'

// Who is signed in to this app (its own login, which this example leaves out).
const USER = 'demo'
const COMPANY = 'acme-ltd'
const VRN = '123456789'

const http = createServer()
await new Promise<void>((resolve) => http.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`

// The provider answers as this origin (its issuer is `${origin}/oidc`, its VAT API `${origin}/api/local`):
// this server passes those paths to it, as a reverse proxy would.
const applicationSecret = randomBytes(24).toString('base64url')
const dev = await startDevProvider({
  origin,
  publicClient: { clientId: 'example-app', clientName: 'grantflow server example', redirectPaths: ['/callback'] },
  applicationClient: { clientId: 'example-server', clientSecret: applicationSecret },
})

const environments = { local: { authorizationServer: { issuer: `${origin}/oidc`, discovery: 'oidc' as const }, apiBaseUrl: `${origin}/api/local` } }
// One provider, two registrations: the app's users consent through the first; the second is the application itself.
const gateway = defineProvider({ id: 'gateway', name: 'Local VAT Gateway', environments, prepareApiRequest: hmrc.prepareApiRequest! })
const gatewayServer = defineProvider({ id: 'gatewayServer', name: 'Local VAT Gateway (server)', environments })

const vat = defineApi({
  id: 'vat',
  name: 'VAT',
  provider: gateway,
  endpoints: {
    /** What the signed-in person may see of the company's obligations: a session of their own. */
    obligations: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/{vrn}/obligations',
      scopes: ['read:vat'],
      apiUser: 'user',
      query: shape<{ from: string; to: string }>(),
      result: shape<{ obligations: unknown[] }>(),
    }),
    /** Filing a return is the company's: one session for everyone acting for it. */
    submitReturn: defineEndpoint({
      method: 'POST',
      path: '/organisations/vat/{vrn}/returns',
      scopes: ['write:vat'],
      apiUser: 'company',
      body: shape<Record<string, unknown>>(),
      result: shape<{ formBundleNumber: string; processingDate: string }>(),
    }),
  },
})
const vatCheck = defineApi({
  id: 'vatCheck',
  name: 'Check a UK VAT number',
  provider: gatewayServer,
  endpoints: {
    lookup: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/check-vat-number/lookup/{targetVrn}',
      apiUser: 'application',
      result: shape<{ target: { name: string; vatNumber: string } }>(),
    }),
  },
})

const store = createPostgresStore({ encryption: { current: { id: 'example', key: process.env.GRANTFLOW_ENCRYPTION_KEY ?? generateEncryptionKey() } } })
const apiUser = { user: (_request: Request) => USER, company: (_request: Request) => COMPANY }
const grantflow = createGrantflow({
  apis: { vat, vatCheck },
  clients: {
    gateway: defineClient({ clientId: 'example-app', redirectUri: `${origin}/callback` }),
    gatewayServer: defineClient({
      clientId: 'example-server',
      authentication: { method: 'client_secret_basic', clientSecret: applicationSecret },
      resource: `${origin}/api/local`,
    }),
  },
  environment: 'local',
  apiUser,
  store,
})
const handlers = createGrantflowHandlers(grantflow, { apis: { vat, vatCheck }, apiUser, callbackPath: '/callback', afterCallback: 'json' })

const nineBoxes = {
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

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const page = (title: string, body: string, status = 200) =>
  new Response(`<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1>${body}<p><a href="/">Back</a></p>`, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  })
const result = (title: string, value: unknown) => page(title, `<pre id="result">${escape(JSON.stringify(value, null, 2))}</pre>`)

/** A call that may need consent: the browser is sent to the provider, and the callback replays it. */
async function callOrConsent(title: string, call: () => Promise<unknown>): Promise<Response> {
  try {
    return result(title, await call())
  } catch (error) {
    if (error instanceof ConsentRequiredError) return handlers.consentRedirect(error)
    throw error
  }
}

async function app(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url)
  const scoped = grantflow.withContext(request).apis
  if (pathname === '/' && request.method === 'GET')
    return page(
      'grantflow server example',
      `<p>Signed in to this app as <b>${USER}</b>, for the company <b>${COMPANY}</b>. At the provider, sign in as demo / demo.</p>
<ul>
<li><a href="/obligations">Your VAT obligations</a> (a call per user)</li>
<li><form method="post" action="/returns"><button>File the company's VAT return</button></form> (a call per company: sent once, after consent if need be)</li>
<li><a href="/vat-check">Check a VAT number</a> (the application's own call: no consent)</li>
</ul>`,
    )
  if (pathname === '/obligations' && request.method === 'GET')
    return callOrConsent('Your VAT obligations', () => scoped.vat.obligations({ vrn: VRN, from: '2025-01-01', to: '2025-12-31' }))
  if (pathname === '/returns' && request.method === 'POST') return callOrConsent('VAT return filed', () => scoped.vat.submitReturn({ vrn: VRN }, nineBoxes))
  if (pathname === '/vat-check' && request.method === 'GET') return result('VAT number checked', await scoped.vatCheck.lookup({ targetVrn: VRN }))
  if (pathname === '/callback') {
    // The handler completes the authorization and replays the call once; shown here as a page.
    const answer = await handlers.callback(request)
    if (!answer.ok || !answer.headers.get('content-type')?.includes('json')) return answer
    const { replayed, result: value } = (await answer.json()) as { replayed: boolean; result?: unknown }
    const shown = page(
      replayed ? 'Consent given: the call was replayed once' : 'Consent given',
      replayed ? `<pre id="result">${escape(JSON.stringify(value, null, 2))}</pre>` : '',
    )
    for (const cookie of answer.headers.getSetCookie()) shown.headers.append('set-cookie', cookie)
    return shown
  }
  return page('Not found', '', 404)
}

const providerPaths = ['/oidc', '/api/local', '/__embedded']
const serveApp = toNodeListener(app, { origin })
/** The provider's paths go to it unchanged (Host included: it answers as this origin). */
function toProvider(incoming: IncomingMessage, outgoing: ServerResponse) {
  const upstream = forward(new URL(incoming.url ?? '/', dev.url), { method: incoming.method, headers: incoming.headers }, (answer) => {
    outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(outgoing)
  })
  upstream.on('error', () => outgoing.headersSent || outgoing.writeHead(502).end())
  incoming.pipe(upstream)
}
http.on('request', (incoming: IncomingMessage, outgoing: ServerResponse) => {
  const path = (incoming.url ?? '/').split('?')[0]!
  if (providerPaths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) toProvider(incoming, outgoing)
  else serveApp(incoming, outgoing)
})

console.log(`grantflow server example at ${origin} (sessions in ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite, in memory'})`)

const stop = async () => {
  http.closeAllConnections()
  await Promise.allSettled([new Promise((resolve) => http.close(resolve)), dev.close(), store.close()])
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
