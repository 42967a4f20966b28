import { fixes } from './fixes/index.js'
import { defineProvider } from '../model/provider.js'

/**
 * France's PISTE API gateway (Légifrance and others): client credentials only, the application
 * is the API user, tokens last about an hour and come with no refresh token.
 */
export const piste = defineProvider({
  id: 'piste',
  name: 'PISTE (DILA / AIFE)',
  environments: {
    sandbox: {
      authorizationServer: { tokenEndpoint: 'https://sandbox-oauth.piste.gouv.fr/api/oauth/token' },
      apiBaseUrl: 'https://sandbox-api.piste.gouv.fr',
    },
    production: {
      authorizationServer: { tokenEndpoint: 'https://oauth.piste.gouv.fr/api/oauth/token' },
      apiBaseUrl: 'https://api.piste.gouv.fr',
    },
  },
  grants: { application: 'client_credentials' },
  fixes: [fixes.missingTokenType],
})
