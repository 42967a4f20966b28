import { setupServer } from 'msw/node'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hmrc } from '../../src/index.js'
import { generateEncryptionKey } from '../../src/server/index.js'
import { createProviderKit, hmrcVatRoutes } from '../../src/testing/index.js'

// The Next.js recipe (examples/nextjs) as Next serves it: each URL goes to the exported method of
// its route module (app/api/grantflow/[...path]/route.ts, app/returns/route.ts), called with a Web
// Request, and the Response it returns goes back to the browser, its Set-Cookie headers into that
// browser's cookie jar. Two companies sign in, each in a browser of its own; HMRC is the provider
// kit, in process through MSW.

const ORIGIN = 'http://localhost:3000'
const CLIENT = { clientId: 'next-app', clientSecret: 'next-app-secret' }

const routes = hmrcVatRoutes()
const kit = createProviderKit({
  provider: hmrc,
  environment: 'sandbox',
  clients: [{ ...CLIENT, authMethod: 'client_secret_post', redirectUris: [`${ORIGIN}/api/grantflow/callback`] }],
  api: routes,
})
const msw = setupServer(...kit.handlers)

type RouteModule = Partial<Record<'GET' | 'POST', (request: Request) => Promise<Response>>>
let app: {
  route(pathname: string): RouteModule | undefined
  sessionCookie(company: string): string
  grantflow: typeof import('../../examples/nextjs/lib/grantflow.js').grantflow
}

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' })
  // What the app's deployment sets; no DATABASE_URL: sessions in an embedded PGlite, as under `next dev`.
  Object.assign(process.env, {
    HMRC_CLIENT_ID: CLIENT.clientId,
    HMRC_CLIENT_SECRET: CLIENT.clientSecret,
    GRANTFLOW_SESSION_KEY: generateEncryptionKey(),
    APP_SESSION_SECRET: 'a secret of the app',
    APP_ORIGIN: ORIGIN,
  })
  delete process.env.DATABASE_URL
  delete process.env.HMRC_ENVIRONMENT
  const grantflowRoute: RouteModule = await import('../../examples/nextjs/app/api/grantflow/[...path]/route.js')
  const returnsRoute: RouteModule = await import('../../examples/nextjs/app/returns/route.js')
  const { grantflow } = await import('../../examples/nextjs/lib/grantflow.js')
  const { sessionCookie } = await import('../../examples/nextjs/lib/session.js')
  app = {
    // The app directory's routing: a catch-all segment, and one static route.
    route: (pathname) => (pathname.startsWith('/api/grantflow/') ? grantflowRoute : pathname === '/returns' ? returnsRoute : undefined),
    sessionCookie,
    grantflow,
  }
})
afterAll(() => msw.close())

/** A browser at the Next app, signed in for `company`: keeps its cookies by path and sends them back. */
function browser(company: string) {
  const jar = new Map<string, { value: string; path: string }>()
  const keep = (setCookie: string) => {
    const [pair, ...attributes] = setCookie.split(';').map((part) => part.trim())
    const name = pair!.slice(0, pair!.indexOf('='))
    const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/'
    if (attributes.some((a) => a.toLowerCase() === 'max-age=0')) jar.delete(name)
    else jar.set(name, { value: pair!.slice(name.length + 1), path })
  }
  keep(app.sessionCookie(company)) // what the app's sign-in route set
  const request = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const target = new URL(url, ORIGIN)
    const headers = new Headers(init.headers)
    const cookies = [...jar].filter(([, c]) => target.pathname.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`)
    if (cookies.length > 0) headers.set('cookie', cookies.join('; '))
    const handler = app.route(target.pathname)?.[(init.method ?? 'GET') as 'GET' | 'POST']
    const response = handler ? await handler(new Request(target, { ...init, headers })) : new Response(null, { status: 404 })
    for (const setCookie of response.headers.getSetCookie()) keep(setCookie)
    return response
  }
  return {
    request,
    cookieNames: () => [...jar.keys()],
    /** Submits the return form of one of the app's pages, as a browser posts it. */
    submitReturn: (page: string, vrn: string, periodKey = '18A1') =>
      request('/returns', {
        method: 'POST',
        headers: { origin: ORIGIN, referer: `${ORIGIN}${page}`, 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({
          vrn,
          periodKey,
          vatDueSales: '1000',
          vatDueAcquisitions: '0',
          totalVatDue: '1000',
          vatReclaimedCurrPeriod: '250',
          netVatDue: '750',
          totalValueSalesExVAT: '5000',
          totalValuePurchasesExVAT: '1250',
          totalValueGoodsSuppliedExVAT: '0',
          totalAcquisitionsExVAT: '0',
          finalised: 'on',
        }),
      }),
  }
}

const ACME = { company: 'acme-ltd', vrn: '111111111', page: '/companies/acme-ltd/vat?quarter=18A1' }
const GLOBEX = { company: 'globex-plc', vrn: '222222222', page: '/companies/globex-plc/vat' }

it("serves two companies' consents through the route handlers: each filed once, each back on its own page", async () => {
  const started = []
  for (const { company, vrn, page } of [ACME, GLOBEX]) {
    const user = browser(company)
    const answer = await user.submitReturn(page, vrn)
    expect(answer.status).toBe(303)
    expect(new URL(answer.headers.get('location')!).origin).not.toBe(ORIGIN) // to HMRC
    expect(user.cookieNames().some((name) => name.startsWith('grantflow-consent.'))).toBe(true)
    started.push({ user, company, vrn, page, callback: await kit.authorize(answer.headers.get('location')!) })
  }
  expect(routes.submissions).toHaveLength(0)

  // Both consents under way at once; Globex's comes back first.
  for (const { user, page, callback } of started.reverse()) {
    expect(new URL(callback).pathname).toBe('/api/grantflow/callback')
    const done = await user.request(callback)
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe(page)
    expect(user.cookieNames().some((name) => name.startsWith('grantflow-consent.'))).toBe(false)
  }
  expect(routes.submissions.map((s) => s.vrn).sort()).toEqual([ACME.vrn, GLOBEX.vrn])

  // Each company's session is its own: Acme's next return goes straight to HMRC with Acme's grant.
  const [acme] = await app.grantflow.sessions.list({ kind: 'company', id: ACME.company })
  const [globex] = await app.grantflow.sessions.list({ kind: 'company', id: GLOBEX.company })
  expect(acme!.tokens!.accessToken).not.toBe(globex!.tokens!.accessToken)
  const again = await browser(ACME.company).submitReturn(ACME.page, ACME.vrn, '18A2')
  expect(again.status).toBe(303)
  expect(again.headers.get('location')).toBe(`${ORIGIN}/returns/${routes.submissions.at(-1)!.formBundleNumber}`)
  expect(routes.submissions).toHaveLength(3)
})

it("refuses a company's callback brought by another company's browser, and the right browser still completes it", async () => {
  // A company with no session yet (Acme and Globex may have theirs from the test above).
  const initech = browser('initech-ltd')
  const answer = await initech.submitReturn('/companies/initech-ltd/vat', '333333333')
  expect(answer.status).toBe(303)
  const callback = await kit.authorize(answer.headers.get('location')!)
  const before = routes.submissions.length

  const refused = await browser(GLOBEX.company).request(callback)
  expect(refused.status).toBe(403)
  expect(await refused.json()).toMatchObject({ code: 'invalid_callback', reason: 'binding_mismatch' })
  expect(routes.submissions).toHaveLength(before)

  const done = await initech.request(callback)
  expect(done.status).toBe(303)
  expect(done.headers.get('location')).toBe('/companies/initech-ltd/vat')
  expect(routes.submissions.slice(before).map((s) => s.vrn)).toEqual(['333333333'])
})

it("refuses a return posted from another site's page, filing nothing", async () => {
  const before = routes.submissions.length
  const user = browser(ACME.company)
  const forged = await user.request('/returns', {
    method: 'POST',
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    body: new URLSearchParams({ vrn: ACME.vrn }),
  })
  expect(forged.status).toBe(403)
  expect(routes.submissions).toHaveLength(before)
})
