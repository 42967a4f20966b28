import type { CryptoKey } from 'oauth4webapi'

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

/**
 * Declares a client registration. A client without `authentication` is public (PKCE only).
 *
 * @example
 * const client = defineClient({ clientId: 'abc', redirectUri: 'https://app.example/callback' })
 */
export function defineClient(
  client: Omit<ClientRegistration, 'authentication'> & { authentication?: ClientAuthentication },
): ClientRegistration {
  if (!client.clientId) throw new TypeError('defineClient: clientId is required')
  if (client.redirectUri) {
    const url = new URL(client.redirectUri)
    if (url.hash) throw new TypeError('defineClient: a redirect URI must not have a fragment')
  }
  return { ...client, authentication: client.authentication ?? { method: 'none' } }
}

/** Whether this registration can keep a secret (and so use the client credentials grant). */
export function isConfidential(client: ClientRegistration): boolean {
  return client.authentication.method !== 'none'
}
