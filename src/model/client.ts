import type { AuthorizationServer, CryptoKey } from 'oauth4webapi'
import { ConfigurationError } from '../errors.js'
import type { Provider } from './provider.js'
import { parseUrl } from './secureUrl.js'

/** How the client proves who it is at the token endpoint. */
export type ClientAuthentication =
  /** Public clients (browsers): no secret; PKCE protects the code. */
  | { method: 'none' }
  | { method: 'client_secret_basic'; clientSecret: string }
  | { method: 'client_secret_post'; clientSecret: string }
  | { method: 'private_key_jwt'; privateKey: CryptoKey; keyId?: string }
  /** An HMAC-signed JWT made with the secret (RFC 7523): the secret itself never travels. */
  | { method: 'client_secret_jwt'; clientSecret: string }
  /** Mutual TLS with a certificate from a CA the provider trusts (RFC 8705 §2.1). Node only. */
  | { method: 'tls_client_auth'; clientCertificate: ClientCertificate }
  /** Mutual TLS with a self-signed certificate registered with the provider (RFC 8705 §2.2). Node only. */
  | { method: 'self_signed_tls_client_auth'; clientCertificate: ClientCertificate }
  /** The client's material, the method chosen from the provider's `token_endpoint_auth_methods_supported`. */
  | ClientMaterial

/**
 * A client certificate as the token requests use it: a fetch that presents it in the TLS
 * handshake. In Node, `clientCertificateFetch` from `grantflow/server` makes one from PEM text.
 */
export interface ClientCertificate {
  fetch: typeof fetch
}

/**
 * What a client holds when the app does not name a method: grantflow picks one the provider
 * supports (see chooseClientAuthentication): a certificate → tls_client_auth (or the self-signed
 * variant), a private key → private_key_jwt, a secret → client_secret_basic, then post, then jwt.
 *
 * @example
 * defineClient({ clientId: 'abc', authentication: { clientSecret: process.env.SECRET! } })
 */
export interface ClientMaterial {
  method?: undefined
  clientSecret?: string
  privateKey?: CryptoKey
  keyId?: string
  clientCertificate?: ClientCertificate
}

/** The app's registration at one provider environment. */
export interface ClientRegistration {
  clientId: string
  /** Where the provider sends the user back; required for the authorization code grant. */
  redirectUri?: string
  authentication: ClientAuthentication
  /** Resource indicator (RFC 8707) to send on token requests. */
  resource?: string
  /**
   * The application's own client at the same provider, when it is not this one: the client
   * credentials grant (endpoints with `apiUser: 'application'`) uses it, people's consents this one.
   *
   * @example
   * defineClient({ clientId: 'web', redirectUri, authentication: { clientSecret }, applicationClient: defineClient({ clientId: 'batch', authentication: { method: 'tls_client_auth', clientCertificate } }) })
   */
  applicationClient?: ClientRegistration
}

/** What a function obtaining the client at runtime is told: the provider environment it is for and its authorization server. */
export interface ClientRequest {
  provider: Provider
  /** The environment's name ("sandbox", "production"). */
  environment: string
  /** The authorization server's metadata: an RFC 7591 `registration_endpoint`, where it has one. */
  authorizationServer: AuthorizationServer
}

/**
 * A client as createGrantflow takes it: a registration, or a function obtaining one when the
 * provider is first needed (RFC 7591 dynamic registration, a secret manager). Its answer is
 * checked like a literal's, and kept for the runtime's `bindingTtlMs`.
 *
 * @example
 * clients: { hmrc: async ({ environment }) => defineClient(await secrets.client('hmrc', environment)) }
 */
export type ClientSource = ClientRegistration | ((request: ClientRequest) => Promise<ClientRegistration>)

/**
 * Declares a client registration. A client without `authentication` is public (PKCE only).
 *
 * @example
 * const client = defineClient({ clientId: 'abc', redirectUri: 'https://app.example/callback' })
 */
export function defineClient(client: Omit<ClientRegistration, 'authentication'> & { authentication?: ClientAuthentication }): ClientRegistration {
  const registration = { ...client, authentication: client.authentication ?? { method: 'none' as const } }
  checkClient(registration)
  return registration
}

/**
 * Checks a registration where it is declared (defineClient) or handed to createGrantflow as a
 * literal, so a typo fails there and not as a TypeError at the first token request.
 */
export function checkClient(client: ClientRegistration): void {
  const fail = (what: string): never => {
    throw new ConfigurationError(`client ${client.clientId || '?'}: ${what}`)
  }
  if (!client.clientId) fail('clientId is required')
  if (client.redirectUri !== undefined && parseUrl(client.redirectUri, 'redirect URI').hash) fail('a redirect URI must not have a fragment')
  if (client.applicationClient) checkClient(client.applicationClient)
  const auth = (client.authentication ?? {}) as Record<string, unknown>
  if (auth.method === undefined) {
    if (!auth.clientSecret && !auth.privateKey && !auth.clientCertificate)
      fail('authentication needs a method, or a clientSecret, privateKey or clientCertificate to choose one from')
    if (auth.clientCertificate) checkCertificate(auth.clientCertificate, fail)
    return
  }
  const needs: Record<string, string | undefined> = {
    none: '',
    client_secret_basic: 'clientSecret',
    client_secret_post: 'clientSecret',
    client_secret_jwt: 'clientSecret',
    private_key_jwt: 'privateKey',
    tls_client_auth: 'clientCertificate',
    self_signed_tls_client_auth: 'clientCertificate',
  }
  const method = String(auth.method)
  const key = Object.hasOwn(needs, method) ? needs[method] : fail(`unknown authentication method ${method}`)
  if (key && !auth[key]) fail(`${method} needs ${key}`)
  if (key === 'clientCertificate') checkCertificate(auth.clientCertificate, fail)
}

function checkCertificate(certificate: unknown, fail: (what: string) => never): void {
  if (typeof (certificate as Partial<ClientCertificate>).fetch !== 'function')
    fail('clientCertificate needs a fetch presenting it (clientCertificateFetch from grantflow/server)')
}

/** Whether this registration can keep a secret (and so use the client credentials grant). */
export function isConfidential(client: ClientRegistration): boolean {
  return client.authentication.method !== 'none'
}
