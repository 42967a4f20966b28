import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { defineClient, InvalidCallbackError, TokenEndpointError } from '../../src/index.js'
import { validateCallback } from '../../src/grants/authorizationCode/callback.js'
import { requestClientCredentials } from '../../src/grants/clientCredentials/clientCredentials.js'
import { exchangeCode } from '../../src/grants/authorizationCode/codeExchange.js'
import type { OAuthContext } from '../../src/oauth/context.js'
import { defaultDoors } from '../../src/oauth/doors.js'
import { toGrantflowErrorReadingBody } from '../../src/oauth/mapErrors.js'
import { refreshTokens } from '../../src/grants/refreshToken/refresh.js'
import { findSecrets } from '../support/secretScan.js'

const as: oauth.AuthorizationServer = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' }
const client: oauth.Client = { client_id: 'app' }

/** What oauth4webapi throws for this token endpoint answer. */
async function thrownFor(response: Response): Promise<unknown> {
  return oauth.processRefreshTokenResponse(as, client, response).then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('token endpoint failures as grantflow errors', () => {
  it('keeps the provider’s error code from a 5xx JSON body, which oauth4webapi leaves unread', async () => {
    const response = Response.json({ error: 'temporarily_unavailable', error_description: 'try later' }, { status: 503 })
    const error = await toGrantflowErrorReadingBody(await thrownFor(response), 'refresh_token')
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'refresh_token', status: 503, error: 'temporarily_unavailable', description: 'try later' })
  })

  it('says server_error for a 5xx with no OAuth error in its body', async () => {
    for (const response of [
      new Response('Service Unavailable', { status: 503 }),
      Response.json({ message: 'down' }, { status: 502 }),
      Response.json({ error: 'x'.repeat(500) }, { status: 500 }),
    ]) {
      const error = await toGrantflowErrorReadingBody(await thrownFor(response), 'refresh_token')
      expect(error).toMatchObject({ error: 'server_error', status: response.status })
    }
  })

  it('reads a 4xx error as oauth4webapi does, and never puts the body’s other fields in the message', async () => {
    const response = Response.json({ error: 'invalid_grant', access_token: 'SECRET-TOKEN' }, { status: 400 })
    const error = await toGrantflowErrorReadingBody(await thrownFor(response), 'refresh_token')
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 })
    expect(error.message).not.toContain('SECRET-TOKEN')
    expect(JSON.stringify(error)).not.toContain('SECRET-TOKEN')
  })
})

describe('no token reachable from the error of a malformed token response', () => {
  const ACCESS = 'at-5f0c2a9d8e7b6a5f4e3d2c1b0a9f8e7d'
  const REFRESH = 'rt-0a1b2c3d4e5f60718293a4b5c6d7e8f9'
  const CODE = 'code-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b'
  const VERIFIER = oauth.generateRandomCodeVerifier()
  const STATE = oauth.generateRandomState()
  const SECRETS = [ACCESS, REFRESH, CODE, VERIFIER, STATE, 'app-secret-1234567890']
  const json =
    (body: unknown, status = 200) =>
    () =>
      new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

  /** Token endpoint answers that oauth4webapi refuses, each holding the tokens somewhere. */
  const answers: Array<{ what: string; answer: () => Response; expected: Record<string, unknown> }> = [
    {
      what: 'a token_type that is a number',
      answer: json({ access_token: ACCESS, token_type: 5, refresh_token: REFRESH }),
      expected: { error: 'invalid_response', description: expect.stringContaining('"token_type"') },
    },
    {
      what: 'no token_type',
      answer: json({ access_token: ACCESS, refresh_token: REFRESH }),
      expected: { error: 'invalid_response', description: expect.stringContaining('"token_type"') },
    },
    {
      what: 'an unsupported token_type',
      answer: json({ access_token: ACCESS, token_type: 'mac', refresh_token: REFRESH }),
      expected: { error: 'invalid_response' },
    },
    {
      what: 'an expires_in that is no number',
      answer: json({ access_token: ACCESS, token_type: 'bearer', expires_in: 'soon', refresh_token: REFRESH }),
      expected: { error: 'invalid_response', description: expect.stringContaining('"expires_in"') },
    },
    {
      what: 'a refresh_token that is empty beside the access token',
      answer: json({ access_token: ACCESS, token_type: 'bearer', refresh_token: '', id: REFRESH }),
      expected: { error: 'invalid_response', description: expect.stringContaining('"refresh_token"') },
    },
    {
      what: 'a body cut short',
      answer: json(`{"access_token":"${ACCESS}","refresh_token":"${REFRESH}`),
      expected: { error: 'invalid_response', description: expect.stringContaining('JSON') },
    },
    {
      what: 'a body that is not JSON',
      answer: () => new Response(`access_token=${ACCESS}&refresh_token=${REFRESH}`, { status: 200, headers: { 'content-type': 'text/html' } }),
      expected: { error: 'invalid_response' },
    },
    {
      what: 'a 400 error with the tokens beside it',
      answer: json({ error: 'invalid_grant', access_token: ACCESS, refresh_token: REFRESH }, 400),
      expected: { error: 'invalid_grant', status: 400 },
    },
    {
      what: 'a 503 with the tokens in its body',
      answer: json({ error: 'temporarily_unavailable', access_token: ACCESS, refresh_token: REFRESH }, 503),
      expected: { error: 'temporarily_unavailable', status: 503 },
    },
    {
      what: 'a 502 with the tokens and no error',
      answer: json({ access_token: ACCESS, refresh_token: REFRESH }, 502),
      expected: { error: 'server_error', status: 502 },
    },
  ]

  const context = (answer: () => Response): OAuthContext => ({
    as: { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' },
    client: defineClient({
      clientId: 'app',
      redirectUri: 'https://app.example/callback',
      authentication: { method: 'client_secret_basic', clientSecret: 'app-secret-1234567890' },
    }),
    doors: defaultDoors({ fetch: async () => answer() }),
    fixes: [],
  })
  const grants = {
    authorization_code: (c: OAuthContext) => {
      const pending = { state: STATE, codeVerifier: VERIFIER, scopes: ['read'], createdAt: 0 }
      return exchangeCode(c, validateCallback(c, new URLSearchParams({ code: CODE, state: STATE }), pending), pending)
    },
    refresh_token: (c: OAuthContext) =>
      refreshTokens(c, { accessToken: 'old-access-token-1234567890', tokenType: 'bearer', refreshToken: REFRESH, scopes: ['read'] }),
    client_credentials: (c: OAuthContext) => requestClientCredentials(c, ['read']),
  }

  for (const [grant, run] of Object.entries(grants)) {
    for (const { what, answer, expected } of answers) {
      it(`${grant}: ${what} fails with the provider’s code and status, and no token in the error, its cause chain or its JSON`, async () => {
        const error = await run(context(answer)).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(TokenEndpointError)
        expect(error).toMatchObject({ grant, ...expected })
        expect(findSecrets(error, SECRETS)).toEqual([])
        expect(findSecrets(JSON.parse(JSON.stringify(error)), SECRETS)).toEqual([])
        // Still worth logging: what oauth4webapi said, as the cause.
        expect((error as Error).cause).toMatchObject({ name: expect.any(String), message: expect.any(String) })
      })
    }
  }

  it('a callback refused for its state keeps neither the code nor the expected state in its cause', () => {
    const as = { issuer: 'https://as.example', authorization_endpoint: 'https://as.example/authorize', token_endpoint: 'https://as.example/token' }
    const pending = { state: STATE, codeVerifier: VERIFIER, scopes: ['read'], createdAt: 0 }
    for (const callback of [
      `https://app.example/callback?code=${CODE}&state=forged-state-value`,
      `https://app.example/callback?code=${CODE}&state=${STATE}&state=${STATE}`,
    ]) {
      let error: unknown
      try {
        validateCallback({ as, client: defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' }) }, callback, pending)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidCallbackError)
      expect(findSecrets(error, SECRETS)).toEqual([])
    }
  })
})
