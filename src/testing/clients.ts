import type { KitClient } from './types.js'

/** The client a kit registers when none are given: public, PKCE only, any redirect URI. */
export const DEFAULT_CLIENT: KitClient = { clientId: 'test-client', authMethod: 'none' }

export function findClient(clients: readonly KitClient[], clientId: string | null): KitClient | undefined {
  return clientId === null ? undefined : clients.find((client) => client.clientId === clientId)
}

export function isConfidentialClient(client: KitClient): boolean {
  return client.authMethod !== 'none'
}

/** The grants a client may use: its declared list, or what its kind of client can use. */
export function allowedGrantTypes(client: KitClient): string[] {
  if (client.grantTypes) return client.grantTypes
  return isConfidentialClient(client) ? ['authorization_code', 'refresh_token', 'client_credentials'] : ['authorization_code', 'refresh_token']
}

/**
 * The redirect URI to use for an authorization request, or undefined when it must be refused.
 * Registered URIs are compared exactly (RFC 9700 §4.1.3); the only registered one stands in when the
 * request names none. Without registered URIs any absolute URI without a fragment is accepted.
 */
export function resolveRedirectUri(client: KitClient, requested: string | null): string | undefined {
  const registered = client.redirectUris ?? []
  if (registered.length > 0) {
    if (requested === null) return registered.length === 1 ? registered[0] : undefined
    return registered.includes(requested) ? requested : undefined
  }
  if (requested === null) return undefined
  try {
    const url = new URL(requested)
    return url.hash ? undefined : requested
  } catch {
    return undefined
  }
}

export type ClientAuthentication =
  { ok: true; client: KitClient } | { ok: false; error: 'invalid_client' | 'invalid_request'; description: string; triedBasic: boolean }

/**
 * Authenticates the client of a token or revocation request by its registered method
 * (RFC 6749 §2.3): HTTP Basic, `client_secret` in the body, or none (public client, `client_id`
 * in the body). Using a method other than the registered one fails, as does using two at once.
 */
export function authenticateClient(request: Request, form: URLSearchParams, clients: readonly KitClient[]): ClientAuthentication {
  const header = request.headers.get('authorization')
  const triedBasic = header !== null && /^basic\s/i.test(header)
  const fail = (description: string, error: 'invalid_client' | 'invalid_request' = 'invalid_client') => ({ ok: false, error, description, triedBasic }) as const

  let basic: { clientId: string; secret: string } | undefined
  if (triedBasic) {
    basic = parseBasic(header)
    if (!basic) return fail('The Authorization header is not valid Basic credentials')
    if (form.has('client_secret')) return fail('The client used more than one authentication method', 'invalid_request')
    const bodyId = form.get('client_id')
    if (bodyId !== null && bodyId !== basic.clientId) return fail('client_id does not match the Basic credentials')
  }

  const clientId = basic?.clientId ?? form.get('client_id')
  if (clientId === null) return fail('Client authentication is required')
  const client = findClient(clients, clientId)
  if (!client) return fail('The client is not registered')

  switch (client.authMethod) {
    case 'none':
      if (basic || form.has('client_secret')) return fail('A public client must not send a secret')
      return { ok: true, client }
    case 'client_secret_basic':
      if (!basic) return fail('This client authenticates with client_secret_basic')
      if (basic.secret !== client.clientSecret) return fail('The client secret is wrong')
      return { ok: true, client }
    case 'client_secret_post':
      if (basic) return fail('This client authenticates with client_secret_post')
      if (form.get('client_secret') !== client.clientSecret) return fail('The client secret is wrong')
      return { ok: true, client }
  }
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded before being joined and base64-encoded. */
function parseBasic(header: string | null): { clientId: string; secret: string } | undefined {
  const encoded = header?.replace(/^basic\s+/i, '').trim()
  if (!encoded) return undefined
  let decoded: string
  try {
    decoded = atob(encoded)
  } catch {
    return undefined
  }
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
  } catch {
    return undefined
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}
