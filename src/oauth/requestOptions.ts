import * as oauth from 'oauth4webapi'
import { applyTokenResponseFixes, type ComplianceFix } from '../providers/fixes/index.js'
import { fetchOrUnreachable, isLoopbackHttp, type HttpDoors } from './doors.js'

/**
 * oauth4webapi request options: our fetch door, a timeout, and the provider's compliance fixes
 * applied to token endpoint responses before oauth4webapi validates them.
 */
export function requestOptions(
  doors: HttpDoors,
  as: oauth.AuthorizationServer,
  fixes: readonly ComplianceFix[] = [],
): oauth.HttpRequestOptions<'POST', URLSearchParams> & oauth.HttpRequestOptions<'GET'> {
  const insecure = isLoopbackHttp(as.token_endpoint) || isLoopbackHttp(as.issuer)
  return {
    signal: () => AbortSignal.timeout(doors.timeoutMs),
    [oauth.customFetch]: async (url, init) => {
      const response = await fetchOrUnreachable(doors, url, init as RequestInit)
      return url === as.token_endpoint ? applyTokenResponseFixes(response, fixes, { now: doors.now() }) : response
    },
    ...(insecure && { [oauth.allowInsecureRequests]: true }),
  }
}
