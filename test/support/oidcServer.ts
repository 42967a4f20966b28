import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import Provider from 'oidc-provider'
import { oidcConfiguration, RESOURCE_SCOPES, type OidcConfigurationOptions } from '../../src/devServer/oidcConfiguration.js'
import { describeProviderRequest, type ProviderRequest } from '../../src/devServer/providerRequests.js'
import { defineClient, type ClientRegistration } from '../../src/index.js'
import { closeServer, startResourceServer, type RecordedSubmission, type ResourceServer, type ServedRequest } from './resourceServer.js'

export { RESOURCE_SCOPES, SCOPES } from '../../src/devServer/oidcConfiguration.js'
export type { ProviderRequest } from '../../src/devServer/providerRequests.js'

/** Where every client is sent back: a loopback http URI, which nothing needs to serve. */
export const REDIRECT_URI = 'http://127.0.0.1/callback'
/** Test-only client secrets (the provider lives for one test file). */
const SECRETS = { secretBasic: 'vat-server-secret-0123456789', application: 'vat-batch-secret-0123456789' }

/** Lifetimes and the refresh token policy: see oidcConfiguration. */
export type OidcServerOptions = Pick<OidcConfigurationOptions, 'accessTokenTtl' | 'refreshTokenTtl' | 'refreshTokens'>

/** The clients registered at the provider, as grantflow registrations. */
export interface OidcClients {
  /** A public client (a browser app): PKCE only. */
  public: ClientRegistration
  /** A confidential client authenticating with client_secret_basic. */
  secretBasic: ClientRegistration
  /** A confidential client authenticating with a signed JWT (private_key_jwt, ES256). */
  privateKeyJwt: ClientRegistration
  /** The application itself (client credentials), with the resource server as resource indicator. */
  application: ClientRegistration
}

/** What the provider and the resource server recorded, in order (never a token). */
export interface Recorded {
  /** Every request the provider answered. */
  requests(): ProviderRequest[]
  /** The provider's requests to one route (`token`, `revocation`...), optionally of one grant type. */
  requestsTo(route: string, grantType?: string): ProviderRequest[]
  /** Every request the resource server served. */
  served(): ServedRequest[]
  /** The VAT returns the resource server accepted. */
  submissions(): RecordedSubmission[]
}

export interface OidcServer {
  issuer: string
  /** The resource server's base URL: its resource indicator and its tokens' audience. */
  resourceUrl: string
  resource: ResourceServer
  clients: OidcClients
  /** Everything both servers recorded since they started. */
  recorded: Recorded
  /** What both servers record from now on: a test's own share of a server shared by its file. */
  recordFromNow(): Recorded
  stop(): Promise<void>
}

// Keys are made once per test file (RSA is slow to generate).
let providerKey: Promise<JWK> | undefined
let clientKey: Promise<{ privateKey: CryptoKey; publicJwk: JWK }> | undefined

/** The provider's signing key (id_tokens, JWT access tokens). */
function signingKey(): Promise<JWK> {
  providerKey ??= generateKeyPair('RS256', { extractable: true }).then(async ({ privateKey }) => ({
    ...(await exportJWK(privateKey)),
    alg: 'RS256',
    use: 'sig',
    kid: 'provider-rs256',
  }))
  return providerKey
}

/** The private_key_jwt client's key pair: the provider knows only the public half. */
function privateKeyJwtKey() {
  clientKey ??= generateKeyPair('ES256').then(async ({ privateKey, publicKey }) => ({
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid: 'grantflow-client-1' },
  }))
  return clientKey
}

/**
 * Starts oidc-provider in-process on 127.0.0.1 (port from the OS), with a VAT resource server
 * beside it that accepts only its JWT access tokens. Stop both with `stop()`.
 *
 * The provider requires PKCE (S256), sends `iss` on authorization responses (RFC 9207), issues
 * JWT access tokens for the resource server (resource indicators), rotates refresh tokens, and
 * offers revocation, introspection and client credentials. Its users sign in through its
 * development login and consent pages (any login, any password): see interact.ts.
 *
 * @example
 * const server = await startOidcServer({ accessTokenTtl: 60 })
 * afterAll(() => server.stop())
 * const recorded = server.recordFromNow()
 * // ...drive grantflow against server.issuer with server.clients.public...
 * expect(recorded.requestsTo('token', 'authorization_code')).toHaveLength(1)
 */
export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const [providerJwk, clientJwt] = await Promise.all([signingKey(), privateKeyJwtKey()])

  // The issuer needs the port, so listen first and mount the provider after.
  const http = createServer()
  http.unref()
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const resource = await startResourceServer({ issuer })
  const resourceUrl = resource.url

  const registered = {
    public: { client_id: 'vat-spa', token_endpoint_auth_method: 'none' },
    secretBasic: { client_id: 'vat-server', client_secret: SECRETS.secretBasic, token_endpoint_auth_method: 'client_secret_basic' },
    privateKeyJwt: { client_id: 'vat-signed', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientJwt.publicJwk] } },
  }
  const provider = new Provider(
    issuer,
    oidcConfiguration({
      ...options,
      issuer,
      resourceUrl,
      clients: [
        ...Object.values(registered).map((client) => ({
          ...client,
          // oidc-provider v9 takes http redirect URIs from web clients that do not use the implicit
          // flow (application_type 'native' would also take any loopback port, RFC 8252 §7.3).
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        })),
        {
          client_id: 'vat-batch',
          client_secret: SECRETS.application,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          scope: RESOURCE_SCOPES.join(' '),
        },
      ],
      signingKeys: [providerJwk],
      cookieKeys: ['grantflow-integration-cookie-key'],
      // oidc-provider's development pages: any login, any password (see interact.ts).
      interactions: 'development',
    }),
  )

  const requests: ProviderRequest[] = []
  provider.use(async (ctx, next) => {
    await next()
    requests.push(describeProviderRequest(ctx))
  })
  http.on('request', provider.callback())

  const clients: OidcClients = {
    public: defineClient({ clientId: 'vat-spa', redirectUri: REDIRECT_URI }),
    secretBasic: defineClient({
      clientId: 'vat-server',
      redirectUri: REDIRECT_URI,
      authentication: { method: 'client_secret_basic', clientSecret: SECRETS.secretBasic },
    }),
    privateKeyJwt: defineClient({
      clientId: 'vat-signed',
      redirectUri: REDIRECT_URI,
      authentication: { method: 'private_key_jwt', privateKey: clientJwt.privateKey, keyId: clientJwt.publicJwk.kid! },
    }),
    application: defineClient({
      clientId: 'vat-batch',
      authentication: { method: 'client_secret_basic', clientSecret: SECRETS.application },
      resource: resourceUrl,
    }),
  }

  /** A view of both servers' logs from the given positions on. */
  const recordedFrom = (marks: { requests: number; served: number; submissions: number }): Recorded => ({
    requests: () => requests.slice(marks.requests),
    requestsTo: (route, grantType) => requests.slice(marks.requests).filter((r) => r.route === route && (!grantType || r.grantType === grantType)),
    served: () => resource.served.slice(marks.served),
    submissions: () => resource.submissions.slice(marks.submissions),
  })

  return {
    issuer,
    resourceUrl,
    resource,
    clients,
    recorded: recordedFrom({ requests: 0, served: 0, submissions: 0 }),
    recordFromNow: () => recordedFrom({ requests: requests.length, served: resource.served.length, submissions: resource.submissions.length }),
    stop: async () => {
      await Promise.all([closeServer(http), resource.stop()])
    },
  }
}
