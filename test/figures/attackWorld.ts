import { randomUUID } from 'node:crypto'
import type { InspectionEvent } from 'xstate'
import {
  ConsentRequiredError,
  createBrowserStore,
  createGrantflow,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  piste,
  shape,
  type ApiUser,
  type GrantflowOptions,
} from '../../src/index.js'
import { createProviderKit, pisteRoutes, type ProviderKit } from '../../src/testing/index.js'
import { fakeStorage } from '../support/fakeBrowser.js'
import { findSecrets } from '../support/secretScan.js'
// Légifrance behind PISTE, called as the application (client credentials): a second resource.
import { legifrance, testClock, type useMsw } from '../support/vatWorld.js'

// The world the attacks are made in: an OpenID provider (the MSW provider kit behind discovery,
// sending `iss` on callbacks), its records API, and a server-side app (interaction 'none') with
// the default browser store over fake Web Storage and an inspector collecting every event. A
// recording fetch notes every secret that crosses the wire, so each attack can end with a scan.

export const ISSUER = 'https://idp.example'
export const API_BASE = 'https://api.idp.example'
export const REDIRECT_URI = 'https://app.example/callback'
export const CLIENT_ID = 'records-app'

export const idp = defineProvider({
  id: 'idp',
  name: 'Identity provider',
  environments: { sandbox: { authorizationServer: { issuer: ISSUER, discovery: 'oidc' }, apiBaseUrl: API_BASE } },
})

export const records = defineApi({
  id: 'records',
  name: 'Records',
  provider: idp,
  endpoints: {
    list: defineEndpoint({ method: 'GET', path: '/records', scopes: ['read'], apiUser: 'company', result: shape<{ records: string[] }>() }),
    add: defineEndpoint({
      method: 'POST',
      path: '/records',
      scopes: ['write'],
      apiUser: 'company',
      body: shape<{ text: string }>(),
      result: shape<{ id: number }>(),
    }),
    /** The same records, for an app that also wants to know who signed in (OpenID: an id_token). */
    listSignedIn: defineEndpoint({ method: 'GET', path: '/records', scopes: ['openid', 'read'], apiUser: 'company', result: shape<{ records: string[] }>() }),
  },
})

export const PISTE_SECRET = 'piste-secret'

export const company = (id: string): ApiUser => ({ kind: 'company', id })

/** A JWT as the provider would sign it; the signature is not checked over TLS (OIDC Core §3.1.3.7), so any bytes do. */
export function idToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`
}

export interface SentRequest {
  url: string
  method: string
  body: string
  authorization: string | null
}

export interface AttackWorldOptions {
  server: ReturnType<typeof useMsw>
  grantflow?: Partial<GrantflowOptions<{ records: typeof records; legifrance: typeof legifrance }>>
  /** Keep tokens in (fake) Web Storage too, as an app may choose: refresh tokens must still stay out. */
  persistTokens?: boolean
  /**
   * How the provider's token endpoint treats a code: `strict` (the kit: a code once, with the
   * code_verifier of its code_challenge) or `lenient`: a code the provider issued is exchanged
   * whatever code_verifier comes with it, and again after it was used (no PKCE, no single use).
   * Where the kit refuses such a code (`invalid_grant`), the lenient provider answers with fresh
   * tokens for the code's scopes instead, so an attack that still fails there was refused by
   * grantflow itself. Default `strict`.
   */
  provider?: 'strict' | 'lenient'
}

/**
 * The provider adds an id_token to code and refresh answers for `openid` (the kit is an OAuth
 * server only): `idTokenClaims` says what it holds, so an attack can make it another's.
 */
export function attackWorld(options: AttackWorldOptions) {
  const clock = testClock(Date.now())
  const posted: unknown[] = []
  const kit: ProviderKit = createProviderKit({
    provider: idp,
    environment: 'sandbox',
    clients: [{ clientId: CLIENT_ID, authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    now: clock.now,
    api: [
      { method: 'GET', path: '/records', scopes: ['read'], respond: () => ({ records: ['r1'] }) },
      { method: 'POST', path: '/records', scopes: ['write'], respond: ({ body }) => ({ id: posted.push(body) }) },
    ],
  })
  const pisteKit = createProviderKit({
    provider: piste,
    environment: 'sandbox',
    clients: [{ clientId: 'legal-app', clientSecret: PISTE_SECRET, authMethod: 'client_secret_post' }],
    api: pisteRoutes(),
    issueRefreshTokens: false,
    now: clock.now,
  })
  options.server.use(...kit.handlers, ...pisteKit.handlers)

  const secrets = new Set<string>([PISTE_SECRET])
  const refreshTokens = new Set<string>()
  const note = (value: string | null | undefined) => value && secrets.add(value)
  const sent: SentRequest[] = []
  const nonces = new Map<string, string>()
  // The scopes each code the provider issued was asked for: what a lenient provider grants for it.
  const issuedScopes = new Map<string, string>()
  let lenientAnswers = 0
  /** The lenient provider's answer to a code the kit refused: tokens for it all the same. */
  const lenientAnswer = (form: URLSearchParams, refused: Response): Response => {
    const scope = issuedScopes.get(form.get('code') ?? '')
    if (options.provider !== 'lenient' || form.get('grant_type') !== 'authorization_code' || refused.status !== 400 || scope === undefined) return refused
    lenientAnswers++
    return Response.json({ access_token: `lenient-${randomUUID()}`, token_type: 'Bearer', expires_in: 3600, scope, refresh_token: `lenient-${randomUUID()}` })
  }
  const world = {
    /** Who the provider says signed in: the claims of the id_tokens it issues from now on. */
    idTokenClaims: (nonce: string | undefined) => ({ sub: 'victim-user', ...(nonce && { nonce }) }) as Record<string, unknown>,
    /** A hook to change a token answer as it comes back (an attacker's substitution). */
    tamperTokenAnswer: undefined as ((answer: Record<string, unknown>) => Record<string, unknown>) | undefined,
  }

  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const body = await request.clone().text()
    sent.push({ url: request.url, method: request.method, body, authorization: request.headers.get('authorization') })
    const form = new URLSearchParams(body)
    for (const name of ['code', 'code_verifier', 'refresh_token', 'token', 'client_secret']) note(form.get(name))
    note(request.headers.get('authorization')?.split(' ')[1])
    let response = await globalThis.fetch(request)
    if (request.url === `${ISSUER}/token`) response = lenientAnswer(form, response)
    if (!/\/token$/.test(new URL(request.url).pathname) || !response.ok) return response
    let answer = (await response.json()) as Record<string, unknown>
    const nonce = nonces.get(form.get('code') ?? '')
    if (request.url === `${ISSUER}/token` && String(answer.scope).split(' ').includes('openid')) {
      const claims = {
        iss: ISSUER,
        aud: CLIENT_ID,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 3600,
        ...world.idTokenClaims(nonce),
      }
      answer.id_token = idToken(claims)
    }
    if (world.tamperTokenAnswer) answer = world.tamperTokenAnswer(answer)
    for (const name of ['access_token', 'refresh_token', 'id_token']) if (typeof answer[name] === 'string') note(answer[name] as string)
    if (typeof answer.refresh_token === 'string') refreshTokens.add(answer.refresh_token)
    return Response.json(answer, { status: response.status, headers: response.headers })
  }

  const events: InspectionEvent[] = []
  const pendingStorage = fakeStorage()
  const tokenStorage = fakeStorage()
  let currentCompany = 'victim-ltd'
  const grantflow = createGrantflow({
    apis: { records, legifrance },
    clients: {
      idp: defineClient({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI }),
      piste: defineClient({ clientId: 'legal-app', authentication: { method: 'client_secret_post', clientSecret: PISTE_SECRET } }),
    },
    environment: 'sandbox',
    interaction: 'none',
    apiUser: { company: () => currentCompany },
    store: createBrowserStore({ pendingStorage, ...(options.persistTokens && { tokenStorage }) }),
    fetch: recordingFetch,
    now: clock.now,
    inspect: (event) => void events.push(event),
    ...options.grantflow,
  })

  /** Every error an attack met, kept for the scan. */
  const errors: unknown[] = []
  const failure = async (promise: Promise<unknown>): Promise<unknown> => {
    const outcome = await promise.then(
      () => undefined,
      (error: unknown) => error,
    )
    if (outcome === undefined) throw new Error('the step succeeded where it should have been refused')
    errors.push(outcome)
    return outcome
  }

  /** The user at the provider: signs in, approves, and is sent back with a callback URL. */
  const authorize = async (authorizationUrl: string): Promise<string> => {
    const callback = new URL(await kit.authorize(authorizationUrl))
    note(callback.searchParams.get('code'))
    const scope = new URL(authorizationUrl).searchParams.get('scope')
    if (callback.searchParams.has('code') && scope !== null) issuedScopes.set(callback.searchParams.get('code')!, scope)
    const nonce = new URL(authorizationUrl).searchParams.get('nonce')
    if (nonce) nonces.set(callback.searchParams.get('code')!, nonce)
    return callback.href
  }

  /** A call that needs consent, as the company `id`: the ConsentRequiredError the server hands the user on. */
  const actAs = (id: string) => {
    currentCompany = id
  }

  const consentNeeded = async (id: string, call: (g: typeof grantflow) => Promise<unknown> = (g) => g.apis.records.list({})) => {
    currentCompany = id
    const error = await call(grantflow).then(
      () => undefined,
      (e: unknown) => e,
    )
    if (!(error instanceof ConsentRequiredError)) throw new Error(`expected ConsentRequiredError, got ${String(error)}`)
    return error
  }

  /** The legitimate flow: `id` consents and its callback is completed with its binding. */
  const connect = async (id: string, call?: (g: typeof grantflow) => Promise<unknown>) => {
    const consent = await consentNeeded(id, call)
    const callback = await authorize(consent.authorizationUrl!)
    await grantflow.completeAuthorization(callback, { binding: consent.binding, apiUser: company(id) })
    return consent.sessionKey
  }

  /** The stored tokens of every session the attacks touch, to compare before and after. */
  const storedTokens = async (): Promise<Map<string, string>> => {
    const all = new Map<string, string>()
    for (const id of ['victim-ltd', 'attacker-ltd']) {
      for (const session of await grantflow.sessions.list(company(id))) {
        // A session without tokens (an authorization under way) holds nothing to change.
        if (session.tokens) all.set(session.key, JSON.stringify([session.tokens.accessToken, session.tokens.refreshToken, session.tokens.idTokenClaims?.sub]))
      }
    }
    return all
  }
  const changedSessions = (before: Map<string, string>, after: Map<string, string>) =>
    [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key)).length

  /**
   * Where a token, code or refresh token must never be found: authorization request URLs (as the
   * provider saw them), every error the attack met (walked with its toJSON and cause chain), the
   * sessions' stored errors, inspection events, and Web Storage. Returns the paths where one was.
   */
  const leaks = async (): Promise<string[]> => {
    const all = [...secrets]
    const authorizationUrls = kit.requests.filter((r) => r.endpoint === 'authorize').map((r) => r.url)
    const storedErrors = []
    for (const id of ['victim-ltd', 'attacker-ltd']) for (const session of await grantflow.sessions.list(company(id))) storedErrors.push(session.errors)
    const contents = (storage: typeof pendingStorage) => Array.from({ length: storage.length }, (_, i) => storage.getItem(storage.key(i)!))
    const isActorRef = (value: object) =>
      typeof (value as { sessionId?: unknown }).sessionId === 'string' && typeof (value as { send?: unknown }).send === 'function'
    return [
      ...findSecrets(authorizationUrls, all).map((p) => `authorization URL ${p}`),
      ...findSecrets(errors, all).map((p) => `error ${p}`),
      ...findSecrets(storedErrors, all).map((p) => `stored error ${p}`),
      ...findSecrets(events, all, { skip: isActorRef }).map((p) => `inspection event ${p}`),
      ...findSecrets(contents(pendingStorage), all).map((p) => `sessionStorage (pending) ${p}`),
      // An app that keeps tokens in Web Storage chose to keep its access tokens there; never refresh tokens.
      ...findSecrets(contents(tokenStorage), [...refreshTokens]).map((p) => `token storage ${p}`),
    ]
  }

  return {
    /** What the provider's token answers hold: set `idTokenClaims` or `tamperTokenAnswer` to change them. */
    provider: world,
    kit,
    pisteKit,
    fetch: recordingFetch,
    actAs,
    refreshTokens,
    tokenStorage,
    clock,
    grantflow,
    sent,
    posted,
    secrets,
    events,
    pendingStorage,
    errors,
    failure,
    authorize,
    consentNeeded,
    connect,
    storedTokens,
    changedSessions,
    leaks,
    tokenRequests: () => sent.filter((r) => r.url === `${ISSUER}/token`),
    /** How many codes the lenient provider exchanged that the kit refused (always 0 when strict). */
    lenientAnswers: () => lenientAnswers,
  }
}

export type AttackWorld = ReturnType<typeof attackWorld>
