import { InvalidCallbackError } from '../errors.js'

/**
 * The parameters of a redirect back from the provider, from a URL, its string or its query: the
 * query's, or the fragment's when the response came as a fragment (the query says nothing of the
 * authorization and the fragment does). One or the other, never the two mixed, so a parameter
 * added to the query cannot join a response delivered in the fragment.
 */
export function callbackParameters(callback: string | URL | URLSearchParams): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback
  if (callback instanceof URL) return queryOrFragment(callback)
  let url: URL
  try {
    url = new URL(callback)
  } catch {
    // A bare query string ("?code=...&state=...") or fragment ("#code=...") is accepted too.
    if (/^[?#]?[\w.~%-]+=/.test(callback)) return new URLSearchParams(callback.replace(/^#/, ''))
    throw new InvalidCallbackError('malformed')
  }
  return queryOrFragment(url)
}

function queryOrFragment({ searchParams: query, hash }: URL): URLSearchParams {
  const fragment = new URLSearchParams(hash.slice(1))
  return !speaksOfAuthorization(query) && speaksOfAuthorization(fragment) ? fragment : query
}

/** Whether parameters carry an authorization response: a code or an error, or its state. */
function speaksOfAuthorization(parameters: URLSearchParams): boolean {
  return parameters.has('code') || parameters.has('error') || parameters.has('state')
}
