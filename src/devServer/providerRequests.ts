// The provider's access log: one line per request, as oidc-provider routed and answered it.
import type { ProviderContext } from 'oidc-provider'
import type { ProviderRequest } from './providerRequest.js'

export type { ProviderRequest } from './providerRequest.js'

/**
 * Describes a request oidc-provider has answered, from a middleware after `next()`.
 *
 * @example
 * provider.use(async (ctx, next) => {
 *   await next()
 *   log.push(describeProviderRequest(ctx))
 * })
 */
export function describeProviderRequest(ctx: ProviderContext): ProviderRequest {
  const params = ctx.oidc?.params ?? {}
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
  const body = ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) ? (ctx.body as { error?: unknown }) : {}
  const entry: ProviderRequest = { route: ctx.oidc?.route, method: ctx.method, path: ctx.path, status: ctx.status }
  const optional = {
    clientId: ctx.oidc?.client?.clientId,
    authMethod: ctx.oidc?.client?.clientAuthMethod,
    grantType: text(params.grant_type),
    resource: text(params.resource),
    tokenTypeHint: text(params.token_type_hint),
    error: text(body.error),
  }
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) Object.assign(entry, { [name]: value })
  return entry
}
