// The README's Express recipe (its block `example:express-routes.ts`, spliced in below as written)
// with what the README says around it: `vat` as the quickstart declares it, on the provider kit's
// origin; a runtime on the Postgres store, the Redis lock and the Redis sync.
// Its imports and names are used by the README block, which eslint does not see here.
/* eslint-disable @typescript-eslint/no-unused-vars */
import express from 'express'
import { ConsentRequiredError, createGrantflow, defineApi, defineClient, defineEndpoint, defineProvider, hmrc, shape } from 'grantflow'
import { createGrantflowHandlers, createPostgresStore, createRedisLock, createRedisSync, mountGrantflowExpress, sendWebResponse } from 'grantflow/server'

// A server started by the check stops by itself, whatever becomes of the check.
setTimeout(() => process.exit(1), 120_000).unref()

const env = process.env as Record<string, string>
const local = env.KIT_ORIGIN
const vatProvider = defineProvider({
  ...hmrc,
  environments: {
    ...hmrc.environments,
    local: { authorizationServer: { authorizationEndpoint: `${local}/oauth/authorize`, tokenEndpoint: `${local}/oauth/token` }, apiBaseUrl: local },
  },
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
      body: shape<Record<string, unknown>>(),
      result: shape<{ formBundleNumber: string }>(),
    }),
  },
})
const grantflow = createGrantflow({
  apis: { vat },
  clients: { hmrc: defineClient({ clientId: env.CLIENT_ID, redirectUri: env.REDIRECT_URI }) },
  environment: 'local',
  apiUser: { company: (signedIn: { company: string | undefined }) => signedIn.company },
  store: createPostgresStore({
    connectionString: env.DATABASE_URL,
    table: env.SESSIONS_TABLE,
    encryption: { current: { id: '2026-12', key: env.GRANTFLOW_SESSION_KEY } },
  }),
  lock: createRedisLock({ redis: env.REDIS_URL, prefix: env.REDIS_PREFIX }),
  sync: [createRedisSync({ redis: env.REDIS_URL, channel: `${env.REDIS_PREFIX}sessions` })],
})

// The app's own sign-in, which the recipe leaves to the app: here a `company` cookie, read on
// Express's side (`req.session`, as express-session would give it) and on the handlers' side.
const companyOfSession = (cookie: string | null | undefined) => cookie?.match(/(?:^|; )company=([^;]*)/)?.[1]
const app = express()
app.use((req, _res, next) => {
  ;(req as unknown as { session: { companyId: string | undefined } }).session = { companyId: companyOfSession(req.headers.cookie) }
  next()
})
const vrn = env.VRN

/* README: example:express-routes.ts */

app.listen(Number(env.PORT), '127.0.0.1', () => console.log(`listening on ${env.PORT}`))
