import * as oauth from 'oauth4webapi'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { defineProvider } from '../../src/model/provider.js'
import { hmrc } from '../../src/providers/hmrc.js'
import type { ProviderKit } from '../../src/testing/index.js'

export const HMRC_AUTHORIZE = 'https://test-www.tax.service.gov.uk/oauth/authorize'
export const HMRC_TOKEN = 'https://test-api.service.hmrc.gov.uk/oauth/token'
export const HMRC_API = 'https://test-api.service.hmrc.gov.uk'
export const REDIRECT_URI = 'https://app.example/callback'

export { hmrc }

/** A provider with a discovered authorization server and a revocation endpoint. */
export function acmeProvider(discovery: 'oidc' | 'oauth2' = 'oidc', issuer = 'https://login.acme.example') {
  return defineProvider({
    id: 'acme',
    name: 'Acme Corp',
    environments: { production: { authorizationServer: { issuer, discovery }, apiBaseUrl: 'https://api.acme.example' } },
  })
}

/** One MSW server per test file; each test installs its kit's handlers with `serve(kit)`. */
export function useMswServer() {
  const server = setupServer()
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => server.resetHandlers())
  afterAll(() => server.close())
  return {
    server,
    serve<Kit extends ProviderKit>(kit: Kit): Kit {
      server.use(...kit.handlers)
      return kit
    },
  }
}

export interface AuthorizationRequest {
  url: string
  verifier: string
  state: string
}

/** An authorization URL as a correct client builds it: PKCE S256, a state, the redirect URI. */
export async function authorizationRequest(endpoint: string, overrides: Record<string, string | null> = {}): Promise<AuthorizationRequest> {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const url = new URL(endpoint)
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: 'test-client',
    redirect_uri: REDIRECT_URI,
    scope: 'read:vat write:vat',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...overrides,
  }
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value)
  return { url: url.href, verifier, state }
}

/** A form POST, as a client sends to a token or revocation endpoint. */
export function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  })
}

export function basicAuth(clientId: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`)}` }
}

export interface TokenBody {
  access_token: string
  token_type: string
  expires_in: number
  scope?: string
  refresh_token?: string
  error?: string
  error_description?: string
}

export interface SignInOptions {
  scope?: string
  clientId?: string
  tokenEndpoint?: string
  authorizationEndpoint?: string
}

/** Runs the authorization code flow against a kit (HMRC sandbox by default) and returns the parsed token response. */
export async function signIn(kit: ProviderKit, options: SignInOptions = {}): Promise<TokenBody> {
  return (await (await signInResponse(kit, options)).json()) as TokenBody
}

/** Runs the authorization code flow and returns the token endpoint's raw response. */
export async function signInResponse(kit: ProviderKit, options: SignInOptions = {}): Promise<Response> {
  const request = await authorizationRequest(options.authorizationEndpoint ?? HMRC_AUTHORIZE, {
    scope: options.scope ?? 'read:vat write:vat',
    client_id: options.clientId ?? 'test-client',
  })
  const code = new URL(await kit.authorize(request.url)).searchParams.get('code')
  if (!code) throw new Error('no code in the callback')
  return postForm(options.tokenEndpoint ?? HMRC_TOKEN, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: request.verifier,
    client_id: options.clientId ?? 'test-client',
  })
}

/** A GET to an API with a bearer token and HMRC's media type. */
export function callApi(url: string, accessToken: string | undefined, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (!headers.has('accept')) headers.set('accept', 'application/vnd.hmrc.1.0+json')
  if (accessToken !== undefined) headers.set('authorization', `Bearer ${accessToken}`)
  return fetch(url, { ...init, headers })
}
