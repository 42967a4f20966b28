import { ConfigurationError } from '../errors.js'
import type { ClientAuthentication, ClientMaterial } from '../model/client.js'

/** A client authentication method with its material: what a token request is sent with. */
export type NamedClientAuthentication = Exclude<ClientAuthentication, ClientMaterial>

/** RFC 8414 §2: a server that does not list its methods supports client_secret_basic. */
const DEFAULT_METHODS = ['client_secret_basic']

/**
 * The method a client uses when the app names none: the first the provider lists in
 * `token_endpoint_auth_methods_supported` (or its RFC 8414 default) that the client's material
 * allows. Methods whose secret never travels come first (a certificate, a private key), then the
 * secret's: basic, post, then client_secret_jwt (the most widely accepted first).
 * Throws a ConfigurationError naming the methods on each side when none fits (never the material).
 *
 * @example
 * chooseClientAuthentication({ clientSecret: 's' }, ['private_key_jwt', 'client_secret_post'])
 * // → { method: 'client_secret_post', clientSecret: 's' }
 */
export function chooseClientAuthentication(clientId: string, material: ClientMaterial, supported: readonly string[] | undefined): NamedClientAuthentication {
  const offered = supported?.length ? supported : DEFAULT_METHODS
  const { clientSecret, privateKey, keyId, clientCertificate } = material
  const candidates: NamedClientAuthentication[] = [
    ...(clientCertificate
      ? [
          { method: 'tls_client_auth' as const, clientCertificate },
          { method: 'self_signed_tls_client_auth' as const, clientCertificate },
        ]
      : []),
    ...(privateKey ? [{ method: 'private_key_jwt' as const, privateKey, ...(keyId && { keyId }) }] : []),
    ...(clientSecret
      ? [
          { method: 'client_secret_basic' as const, clientSecret },
          { method: 'client_secret_post' as const, clientSecret },
          { method: 'client_secret_jwt' as const, clientSecret },
        ]
      : []),
  ]
  const chosen = candidates.find((candidate) => offered.includes(candidate.method))
  if (!chosen) {
    throw new ConfigurationError(
      `client ${clientId}: the provider supports ${offered.join(', ')} at its token endpoint; this client's material allows ${candidates.map((c) => c.method).join(', ')}`,
    )
  }
  return chosen
}
