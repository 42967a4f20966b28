import { describe, expect, it } from 'vitest'
import {
  bearer,
  buildApiRequest,
  ConfigurationError,
  createOAuth1Signer,
  defaultDoors,
  defineEndpoint,
  defineProvider,
  sendApiRequest,
  shape,
  type ApiRequest,
  type OAuth1TokenSet,
  type RequestAuthorizer,
  type TokenSet,
} from '../../src/index.js'
import { authorizerFor } from '../../src/protocol.js'

const SECRET = 'AT-SECRET-0123456789'
const tokens = (tokenType: string): TokenSet => ({ accessToken: SECRET, tokenType, scopes: [] })
const provider = defineProvider({
  id: 'acme',
  name: 'Acme',
  environments: { live: { authorizationServer: { tokenEndpoint: 'https://login.acme.example/token' }, apiBaseUrl: 'https://api.acme.example' } },
})
const me = defineEndpoint({ method: 'GET', path: '/me', result: shape<{ me: string }>(), retry: { attempts: 2 } })
const request = (): ApiRequest => buildApiRequest(provider, provider.environments.live, me)

/** A fetch door that records the Authorization header of every request and answers `answers` in turn. */
function recordingFetch(...answers: (() => Response)[]) {
  const authorizations: (string | null)[] = []
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit) => {
    authorizations.push(new Headers(init?.headers).get('authorization'))
    return (answers.shift() ?? (() => Response.json({ me: 'acme' })))()
  }
  return { authorizations, doors: defaultDoors({ fetch: fetch as typeof globalThis.fetch, sleep: async () => {} }) }
}

describe('the bearer authorizer', () => {
  it('sends the access token as the exact bearer header', () => {
    const sent = request()
    bearer(sent, tokens('Bearer'))
    expect(sent.headers.get('authorization')).toBe(`Bearer ${SECRET}`)
  })

  it('answers at once, without a promise (the valid-token path pays no extra turn)', () => {
    expect(bearer(request(), tokens('bearer'))).toBeUndefined()
  })

  it('is what a bearer token set calls for, whatever the case of its type', () => {
    for (const type of ['bearer', 'Bearer', 'BEARER']) expect(authorizerFor(tokens(type))).toBe(bearer)
  })

  it('puts the header on the request the API receives', async () => {
    const door = recordingFetch()
    const outcome = await sendApiRequest(request(), tokens('bearer'), door.doors, me)
    expect(outcome).toEqual({ ok: true, value: { me: 'acme' }, status: 200 })
    expect(door.authorizations).toEqual([`Bearer ${SECRET}`])
  })
})

describe('token types grantflow cannot send', () => {
  it('refuses a DPoP-bound token until DPoP is configured, sending nothing and quoting no token', async () => {
    const door = recordingFetch()
    const error = await sendApiRequest(request(), tokens('DPoP'), door.doors, me).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toMatch(/DPoP is not configured/)
    expect(JSON.stringify(error) + String(error) + String((error as Error).cause ?? '')).not.toContain(SECRET)
    expect(door.authorizations).toEqual([])
  })

  it('refuses an unknown token type without quoting the token', () => {
    let error: unknown
    try {
      authorizerFor(tokens('mac'))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toMatch(/"mac" access token: grantflow cannot send it/)
    expect(JSON.stringify(error) + String(error)).not.toContain(SECRET)
  })
})

describe('an asynchronous authorizer', () => {
  it('authorizes every send afresh, a retry too, so a proof is never reused', async () => {
    let proofs = 0
    const proving: RequestAuthorizer = async (sent, tokens) => {
      await Promise.resolve()
      sent.headers.set('authorization', `Proof ${++proofs} ${tokens.accessToken}`)
    }
    const door = recordingFetch(() => new Response(null, { status: 503 }))
    const outcome = await sendApiRequest(request(), tokens('bearer'), door.doors, me, proving)
    expect(outcome).toMatchObject({ ok: true, value: { me: 'acme' } })
    expect(door.authorizations).toEqual([`Proof 1 ${SECRET}`, `Proof 2 ${SECRET}`])
  })
})

describe('the OAuth 1.0a signer', () => {
  // The worked example of Twitter's "Creating a signature" guide (HMAC-SHA1 over query, form body and oauth_* parameters).
  const signer = createOAuth1Signer({
    consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
    consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
    now: () => 1318622958_000,
    nonce: () => 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg',
  })
  const credentials: OAuth1TokenSet = {
    accessToken: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
    tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
    tokenType: 'oauth1',
    scopes: [],
  }
  const update = (): ApiRequest => ({
    method: 'POST',
    url: new URL('https://api.twitter.com/1.1/statuses/update.json?include_entities=true'),
    headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
    body: 'status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21',
  })

  it('signs the method, URL, query and form body as RFC 5849 asks', async () => {
    const sent = update()
    await signer(sent, credentials)
    const header = sent.headers.get('authorization')!
    expect(header).toMatch(/^OAuth /)
    expect(header).toContain('oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"')
    expect(header).toContain('oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog"')
    expect(header).toContain(`oauth_token="${credentials.accessToken}"`)
    expect(header).not.toContain(credentials.tokenSecret)
    expect(header).not.toContain('kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw')
  })

  it('gives another signature when the body changes', async () => {
    const sent = update()
    sent.body = 'status=Other'
    await signer(sent, credentials)
    expect(sent.headers.get('authorization')).not.toContain('hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D')
  })
})
