import * as oauth from 'oauth4webapi'
import { applyTokenResponseFixes, type ComplianceFix } from '../providers/fixes/index.js'
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
      const response = await fetchOrUnreachable(certificateFetch ? { ...doors, fetch: certificateFetch } : doors, url, init as RequestInit)
      const isTokenEndpoint = url === as.token_endpoint || url === as.mtls_endpoint_aliases?.token_endpoint
      return isTokenEndpoint ? applyTokenResponseFixes(response, fixes, { now: doors.now() }) : response
    },
    [oauth.allowInsecureRequests]: true,
  }
}
