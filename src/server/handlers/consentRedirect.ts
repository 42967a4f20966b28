import { ConfigurationError, type ConsentRequiredError } from '../../errors.js'
import { canNameCookie, consentCookie, type ConsentCookieOptions } from './consentCookie.js'

/**
 * Sends the browser to the provider for a consent: a 303 to the authorization URL, with the
 * cookie that binds the authorization to this browser (see consentCookie.ts). Nothing else of the
 * authorization goes to the browser: the URL carries only what the provider must see.
 */
export function redirectToProvider(authorizationUrl: string, binding: string | undefined, cookie?: ConsentCookieOptions): Response {
  const url = new URL(authorizationUrl)
  const state = url.searchParams.get('state')
  if (!binding || !state || !canNameCookie(state)) {
    throw new ConfigurationError('the authorization cannot be bound to the browser: a runtime without a navigator gives a binding with each authorization URL')
  }
  const redirectUri = url.searchParams.get('redirect_uri')
  return new Response(null, {
    status: 303,
    headers: {
      location: url.href,
      'set-cookie': consentCookie(state, binding, redirectUri ? new URL(redirectUri) : undefined, cookie),
      'cache-control': 'no-store',
    },
  })
}

/**
 * The response for a call that failed with ConsentRequiredError in an app's own handler: the
 * browser goes to the provider, bound by an HttpOnly cookie that the callback route
 * (`createGrantflowHandlers(...).callback`) checks. The runtime must have no navigator (the
 * error then carries the authorization URL and its binding).
 *
 * @example
 * try {
 *   return Response.json(await grantflow.withContext(request).apis.vat.obligations({ vrn }))
 * } catch (error) {
 *   if (error instanceof ConsentRequiredError) return consentRedirect(error)
 *   throw error
 * }
 */
export function consentRedirect(error: ConsentRequiredError, cookie?: ConsentCookieOptions): Response {
  if (!error.authorizationUrl)
    throw new ConfigurationError('the consent error carries no authorization URL: give the runtime no navigator (interaction "none")')
  return redirectToProvider(error.authorizationUrl, error.binding, cookie)
}
