// grantflow in a Next.js app (App Router): one runtime and its handlers, shared by the route
// handlers that import this module. Server only: it holds the client secret and the store.
//
// Environment: HMRC_CLIENT_ID, HMRC_CLIENT_SECRET, GRANTFLOW_SESSION_KEY (generateEncryptionKey()
// from grantflow/server), APP_ORIGIN (default http://localhost:3000), DATABASE_URL (without it,
// sessions are in an embedded PGlite in memory: fine for `next dev`, gone on restart).
import { createGrantflow, defineClient } from 'grantflow'
import { createGrantflowHandlers, createPostgresStore, type PostgresSessionStore } from 'grantflow/server'
import { signedInCompany } from './session'
import { vat } from './vat'

/** The app's origin as its users' browsers see it. */
export const appOrigin = process.env.APP_ORIGIN ?? 'http://localhost:3000'

/** The page a same-origin form was posted from (its `Referer`), where the user returns after consent. */
function pageThatAsked(request: Request): string | undefined {
  const referer = request.headers.get('referer')
  if (!referer || !URL.canParse(referer)) return undefined
  const page = new URL(referer)
  return page.origin === appOrigin ? page.pathname + page.search : undefined
}

// The store outlives a module re-evaluated by `next dev` (an edit reloads this file, not the
// process): sessions and pending consents stay where the callback will look for them.
const kept = globalThis as typeof globalThis & { grantflowStore?: PostgresSessionStore }
const store = (kept.grantflowStore ??= createPostgresStore({
  encryption: { current: { id: 'app', key: process.env.GRANTFLOW_SESSION_KEY! } },
}))

/** Whose session a call uses: the request's signed-in company, here and in the handlers. */
const apiUser = { company: (request: Request) => signedInCompany(request) }

export const grantflow = createGrantflow({
  apis: { vat },
  clients: {
    hmrc: defineClient({
      clientId: process.env.HMRC_CLIENT_ID!,
      redirectUri: `${appOrigin}/api/grantflow/callback`,
      authentication: { method: 'client_secret_post', clientSecret: process.env.HMRC_CLIENT_SECRET! },
    }),
  },
  environment: process.env.HMRC_ENVIRONMENT === 'production' ? 'production' : 'sandbox',
  apiUser,
  store,
  // Given the request of the call that needed consent: each user returns to their own page.
  returnTo: (request) => request && pageThatAsked(request),
})

/** The callback, connect and disconnect, at /api/grantflow/* (app/api/grantflow/[...path]/route.ts). */
export const handlers = createGrantflowHandlers(grantflow, {
  apis: { vat },
  apiUser,
  basePath: '/api/grantflow',
  origin: appOrigin,
  afterCallback: 'redirect',
})
