// The authorization server the stampede part calls: oidc-provider (PKCE, refresh tokens rotated,
// JWT access tokens for a VAT resource server beside it), in a process of its own on 127.0.0.1
// with ports from the OS, configured as the integration tests configure it (oidcConfiguration).
// Argument: the access tokens' lifetime in seconds. Commands from the bench: `{ delayMs }` makes
// the token endpoint answer that much later; `{ count: true }` answers what both servers served.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import { oidcConfiguration } from '../../src/devServer/oidcConfiguration.js'
import { describeProviderRequest } from '../../src/devServer/providerRequests.js'
import { startResourceServer } from '../../test/support/resourceServer.js'
import { serveCommands } from '../lib/measure.js'
import { PUBLIC_CLIENT, REDIRECT_URI, type ServedCounts } from './oidcClient.js'

const accessTokenTtl = Number(process.argv[2] ?? 3600)
const { privateKey } = await generateKeyPair('RS256', { extractable: true })
const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench-rs256' }

const http = createServer()
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
const resource = await startResourceServer({ issuer })
const provider = new Provider(
  issuer,
  oidcConfiguration({
    issuer,
    resourceUrl: resource.url,
    accessTokenTtl,
    clients: [
      {
        client_id: PUBLIC_CLIENT,
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    signingKeys: [signingKey],
    cookieKeys: ['grantflow-bench-cookie-key'],
    interactions: 'development',
  }),
)

let delayMs = 0
const counts: ServedCounts = { token: {}, authorizations: 0, resource: {} }
provider.use(async (ctx, next) => {
  if (delayMs && ctx.path === '/token') await new Promise((resolve) => setTimeout(resolve, delayMs))
  await next()
  const request = describeProviderRequest(ctx)
  if (request.route === 'token') {
    const key = `${request.grantType} ${request.status}`
    counts.token[key] = (counts.token[key] ?? 0) + 1
  }
  if (request.route === 'authorization') counts.authorizations++
})
http.on('request', provider.callback())

serveCommands({ issuer, resourceUrl: resource.url }, (command) => {
  if (typeof command.delayMs === 'number') delayMs = command.delayMs
  if (command.count) {
    const resourceCounts: Record<string, number> = {}
    for (const served of resource.served) resourceCounts[served.status] = (resourceCounts[served.status] ?? 0) + 1
    return { ...counts, token: { ...counts.token }, resource: resourceCounts }
  }
  return undefined
})
