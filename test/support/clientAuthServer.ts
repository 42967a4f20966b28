// oidc-provider with every client authentication method grantflow speaks: client_secret_jwt,
// private_key_jwt, and mutual TLS (RFC 8705) on an https listener announced as its
// mtls_endpoint_aliases, the certificate read from the TLS socket as a real server does.
import { X509Certificate } from 'node:crypto'
import { createServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import Provider from 'oidc-provider'
import { afterAll, beforeAll } from 'vitest'
import { oidcConfiguration, RESOURCE_SCOPES } from '../../src/devServer/oidcConfiguration.js'
import { describeProviderRequest, type ProviderRequest } from '../../src/devServer/providerRequests.js'
import { defineClient, type ClientRegistration } from '../../src/index.js'
import { REDIRECT_URI, type OidcServer, type Recorded } from './oidcServer.js'
import { closeServer, startResourceServer } from './resourceServer.js'
import { makeTestCertificates, type TestCertificates } from './testCertificates.js'

/** Test-only secrets (the provider lives for one test file). */
export const CLIENT_AUTH_SECRETS = { jwt: 'vat-jwt-secret-0123456789abcdef0123456789', person: 'vat-person-secret-0123456789' }
/** The subject the tls_client_auth client is registered with. */
export const MTLS_SUBJECT = 'vat-mtls'

/** The methods the provider offers: no client_secret_basic or _post, so a secret alone must become client_secret_jwt. */
export const OFFERED_METHODS = ['none', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']

export interface ClientAuthServer extends Omit<OidcServer, 'clients'> {
  /** The https origin whose endpoints discovery lists as mtls_endpoint_aliases. */
  mtlsOrigin: string
  certificates: TestCertificates
  clients: { public: ClientRegistration }
}

/** Where each client is sent back, and which grants: a person's (code, refresh) or the application's (client credentials). */
const personGrants = { redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }
const applicationGrants = { redirect_uris: [], grant_types: ['client_credentials'], response_types: [], scope: RESOURCE_SCOPES.join(' ') }

/** The DER of a PEM certificate, as RFC 7517's x5c holds it. */
const x5c = (pem: string) => new X509Certificate(pem).raw.toString('base64')

/**
 * Starts the provider on 127.0.0.1 (http, ports from the OS) with its mutual TLS endpoints on an
 * https listener beside it, and a resource server. Registered clients:
 * - `vat-spa` (none), `vat-jwt` (client_secret_jwt, a person's), `vat-batch-jwt` (client_secret_jwt, the application's);
 * - `vat-mtls` (tls_client_auth, subject CN=vat-mtls, the application's) and `vat-mtls-person` (the same, a person's);
 * - `vat-self-signed` (self_signed_tls_client_auth, the application's).
 */
export async function startClientAuthServer(): Promise<ClientAuthServer> {
  const certificates = makeTestCertificates(MTLS_SUBJECT)
  const http = createServer()
  // Client certificates are asked for, not required: the handshake proves the key, the provider
  // decides (an unknown CA is refused by certificateAuthorized, a self-signed one by its thumbprint).
  const https = createHttpsServer({
    cert: certificates.server.certificate,
    key: certificates.server.privateKey,
    ca: certificates.ca.certificate,
    requestCert: true,
    rejectUnauthorized: false,
  })
  http.unref()
  https.unref()
  await Promise.all([
    new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve)),
  ])
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const mtlsOrigin = `https://127.0.0.1:${(https.address() as AddressInfo).port}`
  const resource = await startResourceServer({ issuer })
  const base = oidcConfiguration({
    issuer,
    resourceUrl: resource.url,
    clients: [
      { client_id: 'vat-spa', token_endpoint_auth_method: 'none', ...personGrants },
      { client_id: 'vat-jwt', client_secret: CLIENT_AUTH_SECRETS.jwt, token_endpoint_auth_method: 'client_secret_jwt', ...personGrants },
      { client_id: 'vat-batch-jwt', client_secret: CLIENT_AUTH_SECRETS.jwt, token_endpoint_auth_method: 'client_secret_jwt', ...applicationGrants },
      { client_id: 'vat-mtls', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: `CN=${MTLS_SUBJECT}`, ...applicationGrants },
      { client_id: 'vat-mtls-person', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: `CN=${MTLS_SUBJECT}`, ...personGrants },
      {
        client_id: 'vat-self-signed',
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: {
          keys: [
            {
              ...new X509Certificate(certificates.selfSigned.certificate).publicKey.export({ format: 'jwk' }),
              x5c: [x5c(certificates.selfSigned.certificate)],
            },
          ],
        },
        ...applicationGrants,
      },
    ],
    signingKeys: [await signingJwk()],
    cookieKeys: ['grantflow-client-auth-cookie-key'],
    interactions: 'development',
  })
  const peerCertificate = (ctx: { req: { socket: unknown } }): X509Certificate | undefined => {
    const socket = ctx.req.socket as Partial<TLSSocket>
    const peer = socket.getPeerCertificate?.()
    return peer?.raw ? new X509Certificate(peer.raw) : undefined
  }
  const provider = new Provider(issuer, {
    ...base,
    clientAuthMethods: OFFERED_METHODS,
    features: {
      ...(base.features ?? {}),
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        certificateBoundAccessTokens: false,
        getCertificate: peerCertificate,
        // Issued by the test CA: the TLS layer checked the chain against it.
        certificateAuthorized: (ctx: { req: { socket: unknown } }) => (ctx.req.socket as TLSSocket).authorized === true,
        certificateSubjectMatches: (ctx: { req: { socket: unknown } }, property: string, expected: string) =>
          property === 'tls_client_auth_subject_dn' && peerCertificate(ctx)?.subject === expected,
      },
    },
    discovery: {
      mtls_endpoint_aliases: {
        token_endpoint: `${mtlsOrigin}/token`,
        revocation_endpoint: `${mtlsOrigin}/token/revocation`,
        introspection_endpoint: `${mtlsOrigin}/token/introspection`,
      },
    },
  } as ConstructorParameters<typeof Provider>[1])

  const requests: Array<ProviderRequest & { mtls: boolean }> = []
  provider.use(async (ctx, next) => {
    await next()
    requests.push({ ...describeProviderRequest(ctx), mtls: ctx.req.socket !== undefined && 'encrypted' in ctx.req.socket })
  })
  http.on('request', provider.callback())
  https.on('request', provider.callback())

  const recordedFrom = (marks: { requests: number; served: number; submissions: number }): Recorded => ({
    requests: () => requests.slice(marks.requests),
    requestsTo: (route, grantType) => requests.slice(marks.requests).filter((r) => r.route === route && (!grantType || r.grantType === grantType)),
    served: () => resource.served.slice(marks.served),
    submissions: () => resource.submissions.slice(marks.submissions),
  })
  return {
    issuer,
    mtlsOrigin,
    resourceUrl: resource.url,
    resource,
    certificates,
    clients: { public: defineClient({ clientId: 'vat-spa', redirectUri: REDIRECT_URI }) },
    recorded: recordedFrom({ requests: 0, served: 0, submissions: 0 }),
    recordFromNow: () => recordedFrom({ requests: requests.length, served: resource.served.length, submissions: resource.submissions.length }),
    stop: async () => {
      await Promise.all([closeServer(http), closeServer(https as unknown as ReturnType<typeof createServer>), resource.stop()])
    },
  }
}

async function signingJwk() {
  const { generateKeyPair, exportJWK } = await import('jose')
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  return { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'provider-rs256' }
}

/** One client authentication provider per test file, stopped after. */
export function useClientAuthServer(): () => ClientAuthServer {
  let server: ClientAuthServer | undefined
  beforeAll(async () => {
    server = await startClientAuthServer()
  })
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (!server) throw new Error('the client authentication server is not started yet (call it inside a test)')
    return server
  }
}
