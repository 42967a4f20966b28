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

/** The app's registration at one provider environment. */
export interface ClientRegistration {
  clientId: string
  /** Where the provider sends the user back; required for the authorization code grant. */
  redirectUri?: string
  authentication: ClientAuthentication
  /** Resource indicator (RFC 8707) to send on token requests. */
  resource?: string
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
  const auth = (client.authentication ?? {}) as Record<string, unknown>
  const needs: Record<string, string | undefined> = {
    none: '',
    client_secret_basic: 'clientSecret',
    client_secret_post: 'clientSecret',
    private_key_jwt: 'privateKey',
  }
  const method = String(auth.method)
  const key = Object.hasOwn(needs, method) ? needs[method] : fail(`unknown authentication method ${method}`)
  if (key && !auth[key]) fail(`${method} needs ${key}`)
}

/** Whether this registration can keep a secret (and so use the client credentials grant). */
export function isConfidential(client: ClientRegistration): boolean {
  return client.authentication.method !== 'none'
}
