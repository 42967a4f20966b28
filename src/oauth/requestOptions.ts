import * as oauth from 'oauth4webapi'
import { applyTokenResponseFixes, type ComplianceFix } from '../providers/fixes/index.js'
import { ConfigurationError } from '../errors.js'
import { assertSecureUrl } from '../model/secureUrl.js'
import { fetchOrUnreachable, type HttpDoors } from './doors.js'

/**
 * oauth4webapi request options: our fetch door, a timeout, and the provider's compliance fixes
 * applied to token endpoint responses before oauth4webapi validates them. Under mutual TLS the
 * client's certificate fetch stands in for the door's fetch.
 */
export function requestOptions(
  doors: HttpDoors,
  as: oauth.AuthorizationServer,
  fixes: readonly ComplianceFix[] = [],
  certificateFetch?: typeof fetch,
): oauth.HttpRequestOptions<'POST', URLSearchParams> & oauth.HttpRequestOptions<'GET'> {
  return {
    signal: () => (doors.signal ? AbortSignal.any([AbortSignal.timeout(doors.timeoutMs), doors.signal]) : AbortSignal.timeout(doors.timeoutMs)),
    [oauth.customFetch]: async (url, init) => {
      // Whether http may be used is decided here for each URL (oauth4webapi's switch is one for
      // every endpoint): a loopback issuer must not let a secret travel in the clear elsewhere.
      assertSecureUrl(url, 'an authorization server endpoint')
      // A certificate proves nothing outside TLS: without an https endpoint (or alias), a mutual TLS
      // client cannot authenticate, which is the app's configuration, not a network failure.
      if (certificateFetch && new URL(url).protocol !== 'https:') {
        throw new ConfigurationError(`${url} is not https: mutual TLS client authentication needs an https endpoint or an mtls_endpoint_aliases entry`)
      }
      const response = await fetchOrUnreachable(certificateFetch ? { ...doors, fetch: certificateFetch } : doors, url, init as RequestInit)
      const isTokenEndpoint = url === as.token_endpoint || url === as.mtls_endpoint_aliases?.token_endpoint
      return isTokenEndpoint ? applyTokenResponseFixes(response, fixes, { now: doors.now() }) : response
    },
    [oauth.allowInsecureRequests]: true,
  }
}
