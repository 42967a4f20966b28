import * as oauth from 'oauth4webapi'
import type { ClientRegistration } from '../model/client.js'
import { chooseClientAuthentication } from './chooseClientAuthentication.js'

/** oauth4webapi's client and authentication for a registration, and the certificate's fetch under mutual TLS. */
export interface OauthClient {
  client: oauth.Client
  auth: oauth.ClientAuth
  /** Under tls_client_auth and self_signed_tls_client_auth: the fetch presenting the client certificate. */
  certificateFetch?: typeof fetch
}

/**
 * oauth4webapi's client metadata and authentication method for a registration at one
 * authorization server: a registration naming no method gets one its metadata supports.
 */
export function toOauthClient(registration: ClientRegistration, as: oauth.AuthorizationServer): OauthClient {
  const client: oauth.Client = { client_id: registration.clientId }
  const method =
    registration.authentication.method === undefined
      ? chooseClientAuthentication(registration.clientId, registration.authentication, as.token_endpoint_auth_methods_supported)
      : registration.authentication
  switch (method.method) {
    case 'none':
      return { client, auth: oauth.None() }
    case 'client_secret_basic':
      return { client, auth: oauth.ClientSecretBasic(method.clientSecret) }
    case 'client_secret_post':
      return { client, auth: oauth.ClientSecretPost(method.clientSecret) }
    case 'client_secret_jwt':
      return { client, auth: oauth.ClientSecretJwt(method.clientSecret) }
    case 'private_key_jwt':
      return { client, auth: oauth.PrivateKeyJwt({ key: method.privateKey, ...(method.keyId && { kid: method.keyId }) }) }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      // RFC 8705 §5: where the server lists mTLS aliases, certificate-bound requests go there.
      return { client: { ...client, use_mtls_endpoint_aliases: true }, auth: oauth.TlsClientAuth(), certificateFetch: method.clientCertificate.fetch }
  }
}
