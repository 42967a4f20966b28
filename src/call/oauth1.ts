import type { ApiRequest } from '../model/provider.js'
import type { TokenSet } from '../model/tokens.js'
import type { RequestAuthorizer } from './authorizer.js'

/** OAuth 1.0a credentials: the token set's access token is the `oauth_token`, with its secret beside it. */
export type OAuth1TokenSet = TokenSet & { tokenSecret?: string }

export interface OAuth1SignerOptions {
  consumerKey: string
  consumerSecret: string
  /** HMAC-SHA1 (RFC 5849 §3.4.2, what most OAuth 1.0a APIs ask) unless the API takes HMAC-SHA256. */
  signatureMethod?: 'HMAC-SHA1' | 'HMAC-SHA256'
  /** The clock, in epoch milliseconds (default Date.now), for `oauth_timestamp`. */
  now?: () => number
  /** A fresh `oauth_nonce` per request (default 16 random bytes, hex). */
  nonce?: () => string
}

/**
 * An authorizer that signs each request as OAuth 1.0a asks (RFC 5849 §3): the method, the URL,
 * its query and a form body's parameters, signed with the consumer's and the token's secrets,
 * sent in an `Authorization: OAuth ...` header. Asynchronous: the signature is WebCrypto's HMAC.
 *
 * @example
 * const sign = createOAuth1Signer({ consumerKey: 'key', consumerSecret: 'secret' })
 * await sendApiRequest(request, { accessToken: 'token', tokenSecret: 'ts', tokenType: 'oauth1', scopes: [] }, doors, endpoint, sign)
 */
export function createOAuth1Signer(options: OAuth1SignerOptions): RequestAuthorizer {
  const method = options.signatureMethod ?? 'HMAC-SHA1'
  const now = options.now ?? Date.now
  const nonce = options.nonce ?? randomNonce
  return async (request, tokens) => {
    const oauth: [string, string][] = [
      ['oauth_consumer_key', options.consumerKey],
      ['oauth_nonce', nonce()],
      ['oauth_signature_method', method],
      ['oauth_timestamp', String(Math.floor(now() / 1000))],
      ['oauth_token', tokens.accessToken],
      ['oauth_version', '1.0'],
    ]
    const key = `${percentEncode(options.consumerSecret)}&${percentEncode((tokens as OAuth1TokenSet).tokenSecret ?? '')}`
    const signature = await hmac(method === 'HMAC-SHA1' ? 'SHA-1' : 'SHA-256', key, signatureBaseString(request, oauth))
    oauth.push(['oauth_signature', signature])
    request.headers.set('authorization', `OAuth ${oauth.map(([name, value]) => `${name}="${percentEncode(value)}"`).join(', ')}`)
  }
}

/** RFC 5849 §3.4.1: the method, the base URI and every parameter, normalized and encoded. */
export function signatureBaseString(request: ApiRequest, oauth: readonly [string, string][]): string {
  const parameters: [string, string][] = [...request.url.searchParams, ...oauth]
  // A form body's parameters are signed too (§3.4.1.3.1); a JSON body is not.
  if (request.body !== undefined && request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')) {
    parameters.push(...new URLSearchParams(request.body))
  }
  const normalized = parameters
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
  // The URL keeps the port only when it is not the scheme's default, as §3.4.1.2 asks.
  const baseUri = request.url.origin + request.url.pathname
  return [request.method.toUpperCase(), percentEncode(baseUri), percentEncode(normalized)].join('&')
}

/** RFC 5849 §3.6: every byte but the unreserved characters (RFC 3986 §2.3) percent-encoded. */
function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

async function hmac(hash: 'SHA-1' | 'SHA-256', key: string, text: string): Promise<string> {
  const encoder = new TextEncoder()
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(text)))
  return btoa(String.fromCharCode(...mac))
}

function randomNonce(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('')
}
