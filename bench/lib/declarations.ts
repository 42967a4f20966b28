// The API every part calls, declared once: a VAT obligations endpoint at a provider named `local`.
import { defineApi, defineEndpoint, defineProvider, shape, type ApiUserKind, type Provider } from 'grantflow'

/** The path the parts' API servers answer (any path would do for an in-memory fetch). */
export const OBLIGATIONS_PATH = '/organisations/vat/{vrn}/obligations'

/** A provider whose endpoints are given, never asked for: the parts that get no token. */
export function localProvider(base: string): Provider {
  return defineProvider({
    id: 'local',
    name: 'Local',
    environments: { local: { authorizationServer: { authorizationEndpoint: `${base}/authorize`, tokenEndpoint: `${base}/token` }, apiBaseUrl: base } },
  })
}

/** The bench's oidc-provider, discovered from its issuer, and the API it guards. */
export function discoveredProvider(issuer: string, resourceUrl: string): Provider {
  return defineProvider({
    id: 'local',
    name: 'Local OIDC',
    environments: { local: { authorizationServer: { issuer, discovery: 'oidc' }, apiBaseUrl: resourceUrl } },
  })
}

/** The VAT API with its obligations endpoint, called as `apiUser` (a company's by default). */
export function vatApi(provider: Provider, apiUser: ApiUserKind = 'company') {
  return defineApi({
    id: 'vat',
    name: 'VAT',
    provider,
    endpoints: {
      obligations: defineEndpoint({ method: 'GET', path: OBLIGATIONS_PATH, scopes: ['read:vat'], apiUser, result: shape<{ obligations: unknown[] }>() }),
    },
  })
}
