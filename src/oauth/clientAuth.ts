import * as oauth from 'oauth4webapi'
import type { ClientRegistration } from '../model/client.js'

/** oauth4webapi's client metadata and authentication method for a registration. */
export function toOauthClient(registration: ClientRegistration): { client: oauth.Client; auth: oauth.ClientAuth } {
  const client: oauth.Client = { client_id: registration.clientId }
  const method = registration.authentication
  switch (method.method) {
    case 'none':
      return { client, auth: oauth.None() }
    case 'client_secret_basic':
      return { client, auth: oauth.ClientSecretBasic(method.clientSecret) }
    case 'client_secret_post':
      return { client, auth: oauth.ClientSecretPost(method.clientSecret) }
    case 'private_key_jwt':
      return { client, auth: oauth.PrivateKeyJwt({ key: method.privateKey, ...(method.keyId && { kid: method.keyId }) }) }
  }
}
