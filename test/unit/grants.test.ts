import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createGrantflow,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  grantFor,
  hmrc,
  piste,
  shape,
  type ApiUserKind,
  type Provider,
  type ProviderGrants,
} from '../../src/index.js'

function acme(grants?: ProviderGrants): Provider {
  return defineProvider({
    id: 'acme',
    name: 'Acme',
    environments: {
      live: {
        authorizationServer: { authorizationEndpoint: 'https://login.acme.example/authorize', tokenEndpoint: 'https://login.acme.example/token' },
        apiBaseUrl: 'https://api.acme.example',
      },
    },
    ...(grants && { grants }),
  })
}

/** createGrantflow with one endpoint called as `apiUser`: its error, or undefined when it accepts. */
function refusal(provider: Provider, apiUser: ApiUserKind): unknown {
  const api = defineApi({
    id: 'acme',
    name: 'Acme',
    provider,
    endpoints: { me: defineEndpoint({ method: 'GET', path: '/me', apiUser, result: shape<unknown>() }) },
  })
  const client = defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' })
  try {
    createGrantflow({
      apis: { api },
      clients: { acme: client },
      environment: 'live',
      apiUser: { user: () => 'me', company: () => 'acme-ltd', employee: () => 'e1' },
    })
    return undefined
  } catch (error) {
    return error
  }
}

describe('grant descriptors', () => {
  it('a person consents through a redirect and their tokens are refreshed', () => {
    for (const kind of ['user', 'company', 'employee'] as const) {
      expect(grantFor(hmrc, kind)).toEqual({ type: 'authorization_code', interaction: 'redirect', renewal: 'refresh' })
    }
  })

  it('the application asks without a user and asks again when its token runs out', () => {
    expect(grantFor(hmrc, 'application')).toEqual({ type: 'client_credentials', interaction: 'none', renewal: 'reacquire' })
    expect(grantFor(piste, 'application').renewal).toBe('reacquire')
  })

  it('a provider that declares nothing serves both kinds as grantflow always did', () => {
    expect(grantFor(acme(), 'user').type).toBe('authorization_code')
    expect(grantFor(acme(), 'application').type).toBe('client_credentials')
  })

  it('a provider that declares its grants serves only the kinds it names', () => {
    expect(() => grantFor(acme({ person: 'authorization_code' }), 'application')).toThrow(ConfigurationError)
    expect(() => grantFor(acme({ person: 'authorization_code' }), 'application')).toThrow('provider acme declares no application grant grantflow knows')
    expect(() => grantFor(piste, 'company')).toThrow('provider piste declares no person grant grantflow knows')
  })

  it('a grant it does not know is a configuration error, whatever its name', () => {
    for (const name of ['password', '__proto__', 'toString']) {
      expect(() => grantFor(acme({ person: name as never }), 'user')).toThrow(ConfigurationError)
    }
  })
})

describe('createGrantflow and the declared grants', () => {
  it('refuses an endpoint called as the application at a provider that declares no application grant', () => {
    const error = refusal(acme({ person: 'authorization_code' }), 'application')
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toMatch(/acme declares no application grant/)
  })

  it('refuses an endpoint called for a person at a provider that serves only the application', () => {
    expect(refusal(acme({ application: 'client_credentials' }), 'user')).toBeInstanceOf(ConfigurationError)
  })

  it('accepts each kind of API user where the provider serves it', () => {
    expect(refusal(acme(), 'application')).toBeUndefined()
    expect(refusal(acme({ person: 'authorization_code' }), 'company')).toBeUndefined()
    expect(refusal(acme({ application: 'client_credentials' }), 'application')).toBeUndefined()
  })
})
