import { http, HttpResponse, type HttpHandler } from 'msw'
import { allowedGrantTypes, findClient, resolveRedirectUri } from './clients.js'
import type { KitContext } from './context.js'
import { CODE_CHALLENGE_PATTERN } from './crypto.js'
import { handlerPath } from './endpoints.js'
import { faultResponse, takeFault } from './faults.js'
import { recordRequest } from './journal.js'
import { CODE_TTL_MS, issueCode } from './state.js'

/**
 * The authorization endpoint (RFC 6749 §4.1.1) acting out the user's consent, or undefined when
 * the environment has none (application-only providers such as PISTE).
 */
export function authorizationEndpointHandler(ctx: KitContext): HttpHandler | undefined {
  const endpoint = ctx.endpoints.authorizationEndpoint
  if (!endpoint) return undefined
  return http.get(handlerPath(endpoint), async ({ request }) => {
    ctx.journal.counters.authorizations += 1
    const response = (await faultAt(ctx)) ?? answerAuthorizationRequest(ctx, request)
    return recordRequest(ctx.journal, { endpoint: 'authorize', method: 'GET', url: request.url }, response)
  })
}

async function faultAt(ctx: KitContext): Promise<Response | undefined> {
  const fault = takeFault(ctx.faults, 'authorize')
  return fault && faultResponse(fault)
}

/**
 * Who the client is and where it wants the answer are checked first: when either is wrong the
 * user sees an error page and nothing is redirected (RFC 6749 §4.1.2.1), so an attacker cannot
 * use the endpoint as an open redirector. Every later error goes back to the client.
 */
export function answerAuthorizationRequest(ctx: KitContext, request: Request): Response {
  const params = new URL(request.url).searchParams
  const repeated = ['client_id', 'redirect_uri', 'response_type', 'state', 'scope', 'code_challenge', 'code_challenge_method'].filter(
    (name) => params.getAll(name).length > 1,
  )

  if (params.getAll('client_id').length > 1) return errorPage('client_id was sent more than once')
  const client = findClient(ctx.clients, params.get('client_id'))
  if (!client) return errorPage('The client_id is missing or not registered')
  if (params.getAll('redirect_uri').length > 1) return errorPage('redirect_uri was sent more than once')
  const redirectUri = resolveRedirectUri(client, params.get('redirect_uri'))
  if (!redirectUri) return errorPage('The redirect_uri is missing or not registered for this client')

  const reply = (answer: Record<string, string>) => redirectTo(ctx, request, redirectUri, params.get('state'), answer)
  const refuse = (error: string, description: string) => reply({ error, error_description: description })

  if (repeated.length > 0) return refuse('invalid_request', `Parameters sent more than once: ${repeated.join(', ')}`)
  if (params.get('response_type') !== 'code') {
    return refuse('unsupported_response_type', 'Only response_type=code is supported')
  }
  if (!allowedGrantTypes(client).includes('authorization_code')) {
    return refuse('unauthorized_client', 'The client may not use the authorization code grant')
  }
  const challenge = params.get('code_challenge')
  if (!challenge) return refuse('invalid_request', 'code_challenge is required (PKCE)')
  if (params.get('code_challenge_method') !== 'S256') {
    return refuse('invalid_request', 'code_challenge_method must be S256')
  }
  if (!CODE_CHALLENGE_PATTERN.test(challenge)) return refuse('invalid_request', 'code_challenge is not an S256 challenge')

  if (ctx.consent.answer === 'deny') return refuse('access_denied', 'The user denied the request')

  const requested = (params.get('scope') ?? '').split(' ').filter(Boolean)
  const nonce = params.get('nonce')
  const code = issueCode(ctx.state, {
    clientId: client.clientId,
    redirectUri,
    redirectUriSent: params.has('redirect_uri'),
    codeChallenge: challenge,
    scopes: ctx.consent.grantScopes ? [...ctx.consent.grantScopes] : requested,
    ...(nonce !== null && { nonce }),
    expiresAt: ctx.now() + CODE_TTL_MS,
  })
  return reply({ code })
}

/** A 302 back to the client with the answer, `state` echoed and `iss` when the kit sends it (RFC 9207). */
function redirectTo(ctx: KitContext, request: Request, redirectUri: string, state: string | null, answer: Record<string, string>): Response {
  const callback = new URL(redirectUri)
  for (const [name, value] of Object.entries(answer)) callback.searchParams.set(name, value)
  if (state !== null) callback.searchParams.set('state', state)
  if (ctx.sendIss) callback.searchParams.set('iss', ctx.endpoints.issuer)
  ctx.callbacks.set(request.url, callback.href)
  return new HttpResponse(null, { status: 302, headers: { location: callback.href, 'cache-control': 'no-store' } })
}

function errorPage(message: string): Response {
  const html = `<!doctype html><title>Authorization error</title><h1>Authorization error</h1><p>${escapeHtml(message)}</p>`
  return HttpResponse.html(html, { status: 400, headers: { 'cache-control': 'no-store' } })
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
