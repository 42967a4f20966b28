import { InvalidCallbackError } from '../errors.js'

/** The parameters of a redirect back from the provider, from a URL, its string or its query. */
export function callbackParameters(callback: string | URL | URLSearchParams): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback
  if (callback instanceof URL) return callback.searchParams
  try {
    return new URL(callback).searchParams
  } catch {
    // A bare query string ("?code=...&state=...") is accepted too.
    if (/^\??[\w.~%-]+=/.test(callback)) return new URLSearchParams(callback)
    throw new InvalidCallbackError('malformed')
  }
}
