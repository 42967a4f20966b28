import { http, HttpResponse, type HttpHandler } from 'msw'
import type { KitContext } from './context.js'
import { faultResponse, takeFault } from './faults.js'
import { recordRequest } from './journal.js'

/** The metadata document of a discovery-based environment (RFC 8414 / OpenID Connect Discovery). */
export function discoveryHandler(ctx: KitContext): HttpHandler | undefined {
  const discovery = ctx.endpoints.discovery
  if (!discovery) return undefined
  return http.get(discovery.url, async ({ request }) => {
    ctx.journal.counters.discovery += 1
    const fault = takeFault(ctx.faults, 'discovery')
    const response = (fault && (await faultResponse(fault))) ?? HttpResponse.json(authorizationServerMetadata(ctx))
    return recordRequest(ctx.journal, { endpoint: 'discovery', method: 'GET', url: request.url }, response)
  })
}

/**
 * What the kit's server supports, as metadata. No `jwks_uri` or ID token algorithms: the kit
 * issues no ID tokens (see tokenResponse.ts).
 */
export function authorizationServerMetadata(ctx: KitContext): Record<string, unknown> {
  const { endpoints } = ctx
  return {
    issuer: endpoints.issuer,
    authorization_endpoint: endpoints.authorizationEndpoint,
    token_endpoint: endpoints.tokenEndpoint,
    revocation_endpoint: endpoints.revocationEndpoint,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    ...(endpoints.discovery?.kind === 'oidc' && { subject_types_supported: ['public'] }),
  }
}
