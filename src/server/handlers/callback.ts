import { ConsentRequiredError } from '../../errors.js'
import { safeReturnTo } from '../../oauth/returnTo.js'
import type { HandlerContext } from './context.js'
import { bindingFromCookies, clearedConsentCookies } from './consentCookie.js'
import { consentRedirect } from './consentRedirect.js'
import { callbackFailure } from './callbackPage.js'

/**
 * The route at the redirect URI: takes the binding from the cookie the browser was given when it
 * was sent to the provider, completes the authorization (once; another browser's callback, or the
 * same callback again, is refused), replays the pending call once for the request's API user, and
 * then sends the browser to the saved `returnTo` (a same-origin path, else `/`) or answers with the
 * replayed call's result.
 */
export function createCallbackHandler<Context>({ grantflow, contextOf, options, publicOrigin }: HandlerContext<Context>) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const state = url.searchParams.get('state') ?? ''
    // The cookie is this authorization's only: it goes, whatever the outcome.
    const cleared = clearedConsentCookies(state, url, options.cookie).map((cookie): [string, string] => ['set-cookie', cookie])
    try {
      const binding = bindingFromCookies(request, state, new URL(url.pathname, publicOrigin(request)), options.cookie)
      // No cookie (a reload of a completed callback: its cookie went with it, or another browser):
      // the lookup still says what it knows first (completed here already: code_already_used;
      // expired), and the empty binding, which matches no authorization's, refuses the rest.
      const completed = await grantflow.completeAuthorization(url, { binding: binding ?? '' })
      let result: unknown
      try {
        result = completed.call ? await grantflow.withContext(await contextOf(request)).call(completed.call) : undefined
      } catch (error) {
        // The replayed call needs more consent (a scope the grant lacks): back to the provider.
        if (error instanceof ConsentRequiredError && error.authorizationUrl) return withHeaders(consentRedirect(error, options.cookie), cleared)
        throw error
      }
      const redirect = options.afterCallback ? options.afterCallback === 'redirect' : completed.returnTo !== undefined
      if (redirect) {
        return new Response(null, { status: 303, headers: [['location', safeReturnTo(completed.returnTo) ?? '/'], ['cache-control', 'no-store'], ...cleared] })
      }
      const body = { sessionKey: completed.sessionKey, replayed: completed.call !== undefined, ...(completed.call && { result }) }
      return Response.json(body, { headers: [['cache-control', 'no-store'], ...cleared] })
    } catch (error) {
      return callbackFailure(request, error, cleared)
    }
  }
}

function withHeaders(response: Response, headers: [string, string][]): Response {
  for (const [name, value] of headers) response.headers.append(name, value)
  return response
}
