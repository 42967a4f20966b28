// The application as API user (client credentials), against a mocked PISTE sandbox.
// Run: npm run example:application
import { setupServer } from 'msw/node'
import { createGrantflow, defineApi, defineClient, defineEndpoint, piste, shape } from 'grantflow'
import { createProviderKit, pisteRoutes } from 'grantflow/testing'

// A fake PISTE, so this runs with no account: drop these lines to call the real sandbox.
const kit = createProviderKit({
  provider: piste,
  environment: 'sandbox',
  clients: [{ clientId: 'my-app', clientSecret: 'my-secret', authMethod: 'client_secret_post' }],
  api: pisteRoutes(),
})
const server = setupServer(...kit.handlers)
server.listen()

const legifrance = defineApi({
  id: 'legifrance',
  name: 'Légifrance',
  provider: piste,
  endpoints: {
    getArticle: defineEndpoint({
      method: 'POST',
      path: '/dila/legifrance/lf-engine-app/consult/getArticle',
      scopes: ['openid'],
      apiUser: 'application',
      body: shape<{ id: string }>(),
      result: shape<{ article: { id: string; texte: string } }>(),
    }),
  },
})

const grantflow = createGrantflow({
  apis: { legifrance },
  clients: { piste: defineClient({ clientId: 'my-app', authentication: { method: 'client_secret_post', clientSecret: 'my-secret' } }) },
  environment: 'sandbox',
})

const { article } = await grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419280' })
console.log(`${article.id}: ${article.texte.slice(0, 60)}…`)
console.log(`token requests: ${kit.counters.tokenRequests}`)
server.close()
