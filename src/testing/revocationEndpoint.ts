import { http, HttpResponse, type HttpHandler } from 'msw'
import { authenticateClient } from './clients.js'
import type { KitContext } from './context.js'
import { handlerPath } from './endpoints.js'
import { faultResponse, takeFault } from './faults.js'
import { readForm } from './form.js'
import { recordRequest } from './journal.js'
import { revokeGrant } from './state.js'

/**
 * The revocation endpoint (RFC 7009), when the environment has one. Revoking a refresh token ends
 * its grant, so the access tokens issued under it stop working too; revoking an access token ends
 * only that token. Unknown tokens, and tokens of other clients, are answered 200 all the same.
 */
export function revocationEndpointHandler(ctx: KitContext): HttpHandler | undefined {
  const endpoint = ctx.endpoints.revocationEndpoint
  if (!endpoint) return undefined
  return http.post(handlerPath(endpoint), async ({ request }) => {
    ctx.journal.counters.revocations += 1
    const fault = takeFault(ctx.faults, 'revoke')
    const response = (fault && (await faultResponse(fault))) ?? (await answerRevocationRequest(ctx, request))
    return recordRequest(ctx.journal, { endpoint: 'revoke', method: 'POST', url: request.url }, response)
  })
}

async function answerRevocationRequest(ctx: KitContext, request: Request): Promise<Response> {
  const form = await readForm(request)
  const token = form?.get('token')
  if (!form || !token) return revocationError('invalid_request', 'token is required', 400)
  const auth = authenticateClient(request, form, ctx.clients)
  if (!auth.ok) return revocationError(auth.error, auth.description, auth.error === 'invalid_client' ? 401 : 400)

  const clientId = auth.client.clientId
  const refresh = ctx.state.refreshTokens.get(token)
  if (refresh && refresh.clientId === clientId) revokeGrant(ctx.state, refresh.grantId)
  const access = ctx.state.accessTokens.get(token)
  if (access && access.clientId === clientId) access.revoked = true
  return new HttpResponse(null, { status: 200, headers: { 'cache-control': 'no-store' } })
}

function revocationError(error: string, description: string, status: number): Response {
  return HttpResponse.json({ error, error_description: description }, { status, headers: { 'cache-control': 'no-store' } })
}
