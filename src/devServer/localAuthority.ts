// One origin's embedded world: oidc-provider with its own login and consent pages, the VAT API
// that accepts its tokens, and the application's server route, all under one dev server origin.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HmrcVatRoutes } from '../testing/hmrcVat.js'
import type { JWK } from './oidcConfiguration.js'
import { createApplicationRoute } from './applicationRoute.js'
import { createEmbeddedControl } from './control.js'
import { createInteractionRoutes, type DemoAccount } from './interactions.js'
import { interactionPath, oidcConfiguration, RESOURCE_SCOPES, SCOPES } from './oidcConfiguration.js'
import { describeProviderRequest, type ProviderRequest } from './providerRequests.js'
import { createVatResourceApi, type VatResourceApi } from './vatResourceApi.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface LocalAuthoritySettings {
  issuerPath: string
  apiPath: string
  providerName: string
  publicClient: { clientId: string; clientName: string; redirectPaths: string[]; redirectUris: string[] }
  /** `undefined`: no application client and no server route. */
  applicationClient: { clientId: string; clientSecret: string } | undefined
  accounts: DemoAccount[]
  accessTokenTtl: number
  refreshTokenTtl: number
  onProviderRequest?: (request: ProviderRequest) => void
}

/** What every origin shares: keys made once per start, and one VAT world. */
export interface SharedState {
  signingKey: JWK
  publicKey: JWK
  cookieKeys: string[]
  vat: HmrcVatRoutes
  /** oidc-provider's Provider class, loaded once (see loadOidcProvider.ts). */
  Provider: typeof import('oidc-provider').default
}

export interface LocalAuthority {
  issuer: string
  /** oidc-provider itself, for requests under the issuer's path (connect strips the path). */
  provider: Handler
  /** The login and consent pages, for requests under `{issuerPath}/interaction`. */
  interactions: Handler
  api: VatResourceApi
  /** The application's server route, when it has a client. */
  application: Handler | undefined
  /** The control route (records and faults), for requests under the control path. */
  control: Handler
}

/**
 * Builds the provider, its pages, the VAT API and the server route for one origin
 * (`http://127.0.0.1:5173`): the issuer is the origin and `issuerPath`, the public client's
 * redirect URIs are the origin's `redirectPaths` and the configured `redirectUris` (another origin's).
 */
export function createLocalAuthority(origin: string, settings: LocalAuthoritySettings, shared: SharedState): LocalAuthority {
  const issuer = `${origin}${settings.issuerPath}`
  const resourceUrl = `${origin}${settings.apiPath}`
  const { publicClient, applicationClient } = settings

  const provider = new shared.Provider(
    issuer,
    oidcConfiguration({
      issuer,
      resourceUrl,
      clients: [
        {
          client_id: publicClient.clientId,
          client_name: publicClient.clientName,
          token_endpoint_auth_method: 'none',
          redirect_uris: [...publicClient.redirectPaths.map((path) => `${origin}${path}`), ...publicClient.redirectUris],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: SCOPES.join(' '),
        },
        ...(applicationClient
          ? [
              {
                client_id: applicationClient.clientId,
                client_secret: applicationClient.clientSecret,
                client_name: `${publicClient.clientName} (server)`,
                token_endpoint_auth_method: 'client_secret_basic',
                grant_types: ['client_credentials'],
                response_types: [],
                redirect_uris: [],
                scope: RESOURCE_SCOPES.join(' '),
              },
            ]
          : []),
      ],
      signingKeys: [shared.signingKey],
      cookieKeys: shared.cookieKeys,
      accessTokenTtl: settings.accessTokenTtl,
      refreshTokenTtl: settings.refreshTokenTtl,
      accounts: settings.accounts.map((account) => ({ accountId: account.login, claims: account.name ? { name: account.name } : {} })),
      interactions: 'own',
    }),
  )

  const control = createEmbeddedControl({
    issuer,
    issuerPath: settings.issuerPath,
    apiPath: settings.apiPath,
    publicClientId: publicClient.clientId,
    ...(applicationClient && { applicationClientId: applicationClient.clientId }),
    accessTokenTtl: settings.accessTokenTtl,
    vat: shared.vat,
  })
  control.watch(provider)
  let applicationTokenRequests = 0
  provider.use(async (ctx, next) => {
    const refused = await control.tokenFaults(ctx, next)
    const request = { ...describeProviderRequest(ctx), ...refused }
    if (request.route === 'token' && request.grantType === 'client_credentials' && request.clientId === applicationClient?.clientId) {
      applicationTokenRequests += 1
    }
    control.providerAnswered(request)
    settings.onProviderRequest?.(request)
  })

  // The API checks tokens against the provider's public key without calling the provider.
  const jwksUri = `${issuer}/jwks`
  const api = createVatResourceApi({
    issuer,
    jwksUri,
    url: resourceUrl,
    vat: shared.vat,
    refuseToken: (claims) => control.refusal(claims.jti),
    fault: control.apiFault,
    onServed: control.apiAnswered,
    fetch: async (input, init) => (String(input) === jwksUri ? Response.json({ keys: [shared.publicKey] }) : fetch(input, init)),
  })

  return {
    issuer,
    provider: provider.callback(),
    interactions: createInteractionRoutes(provider, {
      basePath: interactionPath(issuer, '').replace(/\/$/, ''),
      providerName: settings.providerName,
      accounts: settings.accounts,
      onConsentAnswer: control.consentAnswer,
    }),
    api,
    application:
      applicationClient &&
      createApplicationRoute({
        issuer,
        resourceUrl,
        clientId: applicationClient.clientId,
        clientSecret: applicationClient.clientSecret,
        tokenRequests: () => applicationTokenRequests,
      }),
    control: control.route,
  }
}
