import { describe, expect, it } from 'vitest'
import { ConfigurationError, defaultDoors, defineClient, defineProvider, type AuthorizationServerConfig } from '../../src/index.js'
import { requestClientCredentials, resolveAuthorizationServer } from '../../src/protocol.js'

const SECRET = 'declared-secret-0123456789'

/** A token endpoint that records what it was sent and issues a token. */
function recordingFetch() {
  const sent: Array<{ url: string; authorization: string | null; form: URLSearchParams }> = []
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    sent.push({ url: request.url, authorization: request.headers.get('authorization'), form: new URLSearchParams(await request.text()) })
    return Response.json({ access_token: 'issued-token-0123456789', token_type: 'Bearer', expires_in: 300 })
  }) as typeof globalThis.fetch
  return { sent, fetch }
}

async function contextFor(
  server: AuthorizationServerConfig,
  authentication: Parameters<typeof defineClient>[0]['authentication'],
  fetch: typeof globalThis.fetch,
) {
  const doors = defaultDoors({ fetch, retry: false })
  return { as: await resolveAuthorizationServer(server, doors), client: defineClient({ clientId: 'batch', authentication }), doors, fixes: [] }
}

describe('client authentication at a provider declared without discovery', () => {
  it('chooses from the declared token endpoint methods: a secret goes as client_secret_post where only it is listed', async () => {
    const { sent, fetch } = recordingFetch()
    const server = { tokenEndpoint: 'https://as.example/token', tokenEndpointAuthMethods: ['private_key_jwt', 'client_secret_post'] }
    await requestClientCredentials(await contextFor(server, { clientSecret: SECRET }, fetch), [])

    expect(sent).toHaveLength(1)
    expect(sent[0]!.authorization).toBeNull()
    expect(sent[0]!.form.get('client_id')).toBe('batch')
    expect(sent[0]!.form.get('client_secret')).toBe(SECRET)
  })

  it('takes client_secret_basic, the RFC 8414 default, where no methods are declared', async () => {
    const { sent, fetch } = recordingFetch()
    await requestClientCredentials(await contextFor({ tokenEndpoint: 'https://as.example/token' }, { clientSecret: SECRET }, fetch), [])

    expect(sent[0]!.authorization).toMatch(/^Basic /)
    expect(sent[0]!.form.has('client_secret')).toBe(false)
  })

  it('sends a mutual TLS client to the declared alias, through its certificate fetch only', async () => {
    const door = recordingFetch()
    const certificate = recordingFetch()
    const server = {
      tokenEndpoint: 'https://as.example/token',
      mtlsEndpointAliases: { tokenEndpoint: 'https://mtls.as.example/token' },
    }
    await requestClientCredentials(await contextFor(server, { method: 'tls_client_auth', clientCertificate: { fetch: certificate.fetch } }, door.fetch), [])

    expect(door.sent).toEqual([])
    expect(certificate.sent.map((r) => [r.url, r.authorization, r.form.get('client_id'), r.form.has('client_secret')])).toEqual([
      ['https://mtls.as.example/token', null, 'batch', false],
    ])
  })

  it('refuses an http mutual TLS alias where the provider is declared', () => {
    const declare = () =>
      defineProvider({
        id: 'acme',
        name: 'Acme',
        environments: {
          live: {
            authorizationServer: { tokenEndpoint: 'https://as.example/token', mtlsEndpointAliases: { tokenEndpoint: 'http://mtls.as.example/token' } },
            apiBaseUrl: 'https://api.example',
          },
        },
      })
    expect(declare).toThrow(ConfigurationError)
    expect(declare).toThrow(/mtlsEndpointAliases.tokenEndpoint/)
  })
})
