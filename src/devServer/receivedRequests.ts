// What the local API was sent, as a developer checking their app wants to see it (the headers
// their provider definition adds, the query, the body), without what would let anyone else call
// it: the bearer token shrinks to its last four characters, cookies are not shown at all.
import type { IncomingHttpHeaders } from 'node:http'

/** The request as received, told by the control route's `GET /api-requests`. */
export interface ReceivedRequest {
  /** The query parameters (an `access_token` one masked as the Authorization header is). */
  query: Record<string, string>
  /** Every header, lower-case; `authorization` as `Bearer …wxyz`, `cookie` never. */
  headers: Record<string, string>
  /** The body: parsed JSON, else text; at most {@link BODY_LIMIT} characters of text. */
  body?: unknown
}

/** Characters of a body kept (the VAT API's bodies are a few hundred). */
export const BODY_LIMIT = 4096

const HIDDEN = '(not shown)'

/**
 * A credential as the log shows it: its scheme and its last four characters (`Bearer …x9Qk`),
 * enough to tell two tokens apart, too little to use one.
 *
 * @example
 * maskCredential('Bearer eyJhbGciOi...x9Qk') // 'Bearer …x9Qk'
 */
export function maskCredential(value: string): string {
  const [scheme, secret] = value.includes(' ') ? [value.slice(0, value.indexOf(' ')), value.slice(value.indexOf(' ') + 1).trim()] : ['', value]
  const tail = secret.length > 16 ? secret.slice(-4) : ''
  return `${scheme ? `${scheme} ` : ''}…${tail}`
}

/** What a request to the API carried, without its credentials. */
export function describeReceived(headers: IncomingHttpHeaders, url: URL, text: string): ReceivedRequest {
  const shown: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const joined = Array.isArray(value) ? value.join(', ') : value
    if (name === 'authorization' || name === 'proxy-authorization') shown[name] = maskCredential(joined)
    else if (name === 'cookie') shown[name] = HIDDEN
    else shown[name] = joined
  }
  const query: Record<string, string> = {}
  for (const [name, value] of url.searchParams) query[name] = name === 'access_token' ? maskCredential(value) : value
  const received: ReceivedRequest = { query, headers: shown }
  if (text !== '') received.body = bodyOf(text, headers['content-type'])
  return received
}

function bodyOf(text: string, contentType: string | undefined): unknown {
  if (/json/i.test(contentType ?? '')) {
    try {
      return JSON.parse(text) as unknown
    } catch {
      // Not JSON after all: shown as the text it is.
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType ?? '') && new URLSearchParams(text).has('access_token')) return HIDDEN
  return text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT)}…` : text
}
