import { waitFor } from 'xstate'
import { ConfigurationError } from '../../errors.js'
import type { Api } from '../../model/api.js'
import { hasScopes } from '../../model/tokens.js'
import { safeReturnTo } from '../../oauth/returnTo.js'
import { resolveApiUser } from '../../runtime/targets.js'
import { settled } from '../../runtime/tokenSessions.js'
import type { HandlerContext } from './context.js'
import { redirectToProvider } from './consentRedirect.js'
import { BadRequestError, problemResponse } from './problem.js'
import { fieldsOf, required, requireOwnOriginPost } from './requests.js'

/**
 * Starts a consent before any call needs it (a "Connect to HMRC" button): `POST` with the
 * `api` (its id) and `endpoint` whose scopes to ask for, and an optional `returnTo` path. Answers
 * 303 to the provider with the binding cookie set, or straight to `returnTo` when the session
 * already holds those scopes. No call is made or replayed.
 */
export function createConnectHandler<Context>({ grantflow, contextOf, options, appOrigins }: HandlerContext<Context>) {
  return async (request: Request): Promise<Response> => {
    try {
      requireOwnOriginPost(request, appOrigins(request))
      const fields = await fieldsOf(request)
      const { api, endpoint } = endpointOf(options.apis, required(fields, 'api'), required(fields, 'endpoint'))
      const kind = endpoint.declared.apiUser
      if (kind === 'application')
        throw new BadRequestError(400, 'bad_request', `${api.name} ${endpoint.name} is called as the application: it needs no consent`)
      const returnTo = safeReturnTo(fields.get('returnTo'))
      const apiUser = resolveApiUser(options.apiUser, kind, await contextOf(request))
      const session = await grantflow.tokenSessionFor({ api: api.id, endpoint: endpoint.name, params: {}, apiUser })
      const before = await settled(session)
      const scopes = [...endpoint.declared.scopes]
      if (before.matches('valid') && hasScopes(before.context.tokens?.scopes ?? [], scopes)) {
        return new Response(null, { status: 303, headers: { location: returnTo ?? '/', 'cache-control': 'no-store' } })
      }
      session.send({ type: 'CONSENT_REQUESTED', request: { scopes, requester: 'connect', ...(returnTo && { returnTo }) } })
      const prepared = await waitFor(session, (s) => s.matches('authorizing') || s.matches('consentFailed'), { timeout: Infinity })
      if (prepared.matches('consentFailed')) throw prepared.context.error ?? new ConfigurationError('the consent could not be prepared')
      return redirectToProvider(prepared.context.authorizationUrl!, prepared.context.pending?.binding, options.cookie)
    } catch (error) {
      return problemResponse(error)
    }
  }
}

/** The declared API (by id) and endpoint a connect names. */
function endpointOf(apis: Record<string, Api> | undefined, apiId: string, endpointName: string) {
  if (!apis) throw new ConfigurationError('connect needs the declared APIs: createGrantflowHandlers(grantflow, { apis, apiUser })')
  const api = Object.values(apis).find((a) => a.id === apiId)
  const declared = api?.endpoints[endpointName]
  if (!api || !declared) throw new BadRequestError(400, 'bad_request', 'no such API endpoint')
  return { api, endpoint: { name: endpointName, declared } }
}
