import { http, type HttpHandler } from 'msw'
import { allowedGrantTypes, authenticateClient } from './clients.js'
import type { KitContext } from './context.js'
import { handlerPath } from './endpoints.js'
import { faultResponse, takeFault } from './faults.js'
import { readForm, repeatedParameters } from './form.js'
import { isKitGrantType, recordRequest } from './journal.js'
import { exchangeAuthorizationCode, issueApplicationToken, refreshAccessToken, type GrantOutcome } from './tokenGrants.js'
import { tokenErrorResponse, tokenSuccessResponse } from './tokenResponse.js'

/** The token endpoint (RFC 6749 §3.2): authorization code, refresh token and client credentials grants. */
export function tokenEndpointHandler(ctx: KitContext): HttpHandler {
  return http.post(handlerPath(ctx.endpoints.tokenEndpoint), async ({ request }) => {
    const form = await readForm(request)
    const grantType = form?.get('grant_type') ?? undefined
    const counters = ctx.journal.counters
    counters.tokenRequests += 1
    if (isKitGrantType(grantType)) counters.tokenRequestsByGrant[grantType] += 1

    const fault = takeFault(ctx.faults, 'token', grantType)
    const response = (fault && (await faultResponse(fault))) ?? (await answerTokenRequest(ctx, request, form))
    return recordRequest(ctx.journal, { endpoint: 'token', method: 'POST', url: request.url, ...(grantType !== undefined && { grantType }) }, response)
  })
}

async function answerTokenRequest(ctx: KitContext, request: Request, form: URLSearchParams | undefined): Promise<Response> {
  const error = (code: string, description: string) => tokenErrorResponse(code, description, ctx.quirks)
  if (!form) return error('invalid_request', 'The body must be application/x-www-form-urlencoded')
  const repeated = repeatedParameters(form)
  if (repeated.length > 0) return error('invalid_request', `Parameters sent more than once: ${repeated.join(', ')}`)

  const auth = authenticateClient(request, form, ctx.clients)
  if (!auth.ok) {
    const status = auth.error === 'invalid_client' ? 401 : 400
    return tokenErrorResponse(auth.error, auth.description, ctx.quirks, { status, basicChallenge: auth.triedBasic })
  }
  const grantType = form.get('grant_type')
  if (!grantType) return error('invalid_request', 'grant_type is required')
  if (!isKitGrantType(grantType)) return error('unsupported_grant_type', `grant_type ${grantType} is not supported`)
  if (!allowedGrantTypes(auth.client).includes(grantType)) {
    return error('unauthorized_client', `The client may not use the ${grantType} grant`)
  }

  let outcome: GrantOutcome
  switch (grantType) {
    case 'authorization_code':
      outcome = await exchangeAuthorizationCode(ctx, auth.client, form)
      break
    case 'refresh_token':
      outcome = refreshAccessToken(ctx, auth.client, form)
      break
    case 'client_credentials':
      outcome = issueApplicationToken(ctx, auth.client, form)
      break
  }
  return outcome.ok ? tokenSuccessResponse(outcome.tokens, ctx.quirks, ctx.now()) : error(outcome.error, outcome.description)
}
