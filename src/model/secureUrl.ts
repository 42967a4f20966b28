import { ConfigurationError } from '../errors.js'

/** A URL from the app's configuration, or a ConfigurationError saying which one is malformed. */
export function parseUrl(url: string, what: string): URL {
  try {
    return new URL(url)
  } catch {
    throw new ConfigurationError(`${what} is not a URL: ${url}`)
  }
}

/**
 * Refuses a URL that bearer tokens, codes or client secrets would cross in the clear: https
 * only, or http to a loopback host (a local provider in tests and the demo). Decided per URL:
 * a loopback issuer does not make its other endpoints safe to reach over http.
 */
export function assertSecureUrl(url: string, what: string): void {
  const { protocol, host, hostname } = parseUrl(url, what)
  if (protocol !== 'https:' && !(protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname))) {
    throw new ConfigurationError(`${what} must be https (http only to loopback): ${protocol}//${host}`)
  }
}
