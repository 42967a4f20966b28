import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ApiError,
  AuthorizationError,
  ConsentDeniedError,
  createBrowserStore,
  createMemoryStore,
  defaultDoors,
  defineEndpoint,
  defineProvider,
  fixes,
  InvalidCallbackError,
  shape,
  TokenEndpointError,
} from '../../src/index.js'
import { buildApiRequest } from '../../src/call/buildRequest.js'
import { sendApiRequest } from '../../src/call/sendRequest.js'
import { validateCallback } from '../../src/grants/authorizationCode/callback.js'
import { exchangeCode } from '../../src/grants/authorizationCode/codeExchange.js'
import { refreshTokens } from '../../src/grants/refreshToken/refresh.js'
import type { TokenSet } from '../../src/model/tokens.js'
import type { OAuthContext } from '../../src/oauth/context.js'
import { parseChallenge } from '../../src/oauth/parseChallenge.js'
import { parseSessionRecord } from '../../src/session/sessionRecord.js'
import { CALLBACK_SECRETS, callbackCase, stateAndIssIntact } from './badInputCallbacks.js'
import { countCases, expectShare, TEST_TIMEOUT_MS } from './badInputCount.js'
import { expectUsableSession, KEY, storedRecord } from './badInputRecords.js'
import {
  ACCESS_TOKEN,
  as,
  client,
  expectUsableTokens,
  nasty,
  NOW,
  OLD_REFRESH_TOKEN,
  responseOf,
  TOKEN_SECRETS,
  tokenAnswerArbitrary,
} from './badInputTokens.js'
import { faultyStorage } from './faultInjector.js'

// Bad input, counted: six parsers, each over RUNS cases (badInputCount.ts), each case counted at
// the stage the code took it to. Callbacks and token answers start from valid ones and are bent
// (badInputCallbacks.ts, badInputTokens.ts), so most get past the first check: a callback with the
// right state and iss reaches the code exchange, a token answer with an access token reaches
// every check of a token set. What comes out is what a user relies on, or a typed refusal.

const SECRETS = [...CALLBACK_SECRETS, ...TOKEN_SECRETS]

const apiProvider = defineProvider({
  id: 'p',
  name: 'P',
  environments: { e: { authorizationServer: { issuer: as.issuer, tokenEndpoint: as.token_endpoint }, apiBaseUrl: 'https://api.example' } },
})
const apiEndpoint = defineEndpoint({ method: 'GET', path: '/things/{id}', result: shape<unknown>() })
const challengeHeader = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'Bearer realm="api"',
    'Bearer error="invalid_token"',
    'Bearer error="insufficient_scope", scope="a b"',
    'Bearer ,,,',
    'Basic',
    'Bearer error=',
    'Bearer scope="',
    'DPoP algs="ES256"',
    'Bearer error="x", Bearer error="y"',
  ),
  nasty,
  fc
    .array(fc.constantFrom('Bearer', ' ', ',', '=', '"', 'error', 'scope', 'realm', 'insufficient_scope', '\\'), { maxLength: 12 })
    .map((parts) => parts.join('')),
)

/** A Headers object, or undefined for a value no server could send as a header. */
function headersOf(entries: Array<[string, string | null]>): Headers | undefined {
  const headers = new Headers({ 'content-type': 'application/json' })
  try {
    for (const [name, value] of entries) if (value !== null) headers.set(name, value)
  } catch {
    return undefined
  }
  return headers
}

describe('bad input, counted', () => {
  it(
    'callbacks, through the code exchange',
    async (context) => {
      const stages = ['pastStateAndIss', 'exchanged', 'producedTokens']
      const counts = await countCases(context, 'callback', stages, callbackCase, async ({ pending, pairs, callback, answer }, probe) => {
        const sent: URLSearchParams[] = []
        const doors = defaultDoors({
          now: () => NOW,
          fetch: async (_url, init) => {
            sent.push(new URLSearchParams(init?.body as URLSearchParams))
            return responseOf(answer)
          },
        })
        const oauthContext: OAuthContext = { as, client, doors, fixes: [] }
        const validated = await probe.settle(() => validateCallback(oauthContext, callback, pending), SECRETS)
        if ('untyped' in validated) return
        if (!validated.ok) {
          const { error } = validated
          const atStateOrIss = error instanceof InvalidCallbackError && ['state_mismatch', 'iss_mismatch'].includes(error.reason)
          // A tampered state or iss is refused as such, whatever else the callback says.
          if (!stateAndIssIntact(pairs)) expect(error).toBeInstanceOf(InvalidCallbackError)
          else expect(atStateOrIss, `${error.name} (${error.message})`).toBe(false)
          const past =
            error instanceof ConsentDeniedError ||
            error instanceof AuthorizationError ||
            (error instanceof InvalidCallbackError && error.reason === 'missing_code')
          if (past) probe.reached('pastStateAndIss')
          return
        }
        // Only the pending state and the provider's iss get a callback through.
        expect(stateAndIssIntact(pairs)).toBe(true)
        probe.reached('pastStateAndIss')
        const exchanged = await probe.settle(() => exchangeCode(oauthContext, validated.value, pending), SECRETS)
        if ('untyped' in exchanged) return
        // The callback's one code went to the token endpoint, with the verifier and redirect URI.
        expect(sent, 'the exchange asks the token endpoint, once').toHaveLength(1)
        probe.reached('exchanged')
        expect([...sent[0]!.entries()]).toEqual(
          expect.arrayContaining([
            ['grant_type', 'authorization_code'],
            ['code', validated.value.get('code')],
            ['code_verifier', pending.codeVerifier],
            ['redirect_uri', client.redirectUri],
          ]),
        )
        expect(sent[0]!.getAll('code')).toHaveLength(1)
        if (!exchanged.ok) {
          expect(exchanged.error).toBeInstanceOf(TokenEndpointError)
          expect((exchanged.error as TokenEndpointError).grant).toBe('authorization_code')
          return
        }
        probe.reached('producedTokens')
        expect(answer.status).toBe(200)
        expectUsableTokens(exchanged.value, answer)
        if (pending.nonce) expect(exchanged.value.idTokenClaims?.nonce).toBe(pending.nonce)
      })
      expectShare(counts, 'pastStateAndIss', 0.6)
      expectShare(counts, 'exchanged', 0.4)
      expectShare(counts, 'producedTokens', 0.15)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'token responses, with and without the compliance fixes',
    async (context) => {
      const previous = (withIdToken: boolean): TokenSet => ({
        accessToken: 'old',
        tokenType: 'bearer',
        refreshToken: OLD_REFRESH_TOKEN,
        scopes: ['read'],
        ...(withIdToken && { idTokenClaims: { iss: as.issuer, sub: 'user-1' } }),
      })
      const input = fc.tuple(fc.oneof(tokenAnswerArbitrary(undefined), tokenAnswerArbitrary({})), fc.boolean(), fc.boolean())
      const stages = ['producedTokens', 'refusedTyped']
      const counts = await countCases(context, 'token response', stages, input, async ([answer, withFixes, withIdToken], probe) => {
        const before = previous(withIdToken)
        const oauthContext: OAuthContext = {
          as,
          client,
          fixes: withFixes ? Object.values(fixes) : [],
          // A 408, 429 or 503 is retried: at once here.
          doors: defaultDoors({ now: () => NOW, sleep: async () => {}, fetch: async () => responseOf(answer) }),
        }
        const refreshed = await probe.settle(() => refreshTokens(oauthContext, before), SECRETS)
        if ('untyped' in refreshed) return
        if (!refreshed.ok) {
          expect(refreshed.error).toBeInstanceOf(TokenEndpointError)
          expect((refreshed.error as TokenEndpointError).grant).toBe('refresh_token')
          expect((refreshed.error as TokenEndpointError).error).toMatch(/.+/)
          probe.reached('refusedTyped')
          return
        }
        probe.reached('producedTokens')
        // A refusal is never taken for tokens.
        expect(answer.status).toBe(200)
        expectUsableTokens(refreshed.value, answer, before)
      })
      expectShare(counts, 'producedTokens', 0.3)
      expectShare(counts, 'refusedTyped', 0.3)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'WWW-Authenticate headers',
    async (context) => {
      await countCases(context, 'WWW-Authenticate', ['parsed'], challengeHeader, async (header, probe) => {
        const headers = headersOf([['www-authenticate', header]])
        if (!headers) return
        const challenge = await probe.settle(() => parseChallenge(new Response(null, { status: 401, headers })), SECRETS)
        if (!challenge.ok || !challenge.value) return
        probe.reached('parsed')
        expect(Array.isArray(challenge.value.scopes)).toBe(true)
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'API error answers and challenges',
    async (context) => {
      const body = fc.oneof(
        nasty,
        fc.jsonValue().map((v) => JSON.stringify(v)),
        // No token in these bodies: an ApiError keeps the API's body as it came, for the app to read.
        fc.record({ error: nasty, error_description: nasty, error_uri: nasty }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      )
      const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/problem+json', 'text/html')
      const input = fc.tuple(fc.constantFrom(400, 401, 403, 404, 409, 422, 429, 500, 503), fc.option(challengeHeader), body, fc.option(nasty), contentType)
      const stages = ['refusals', 'refusedTyped']
      await countCases(context, 'API answer', stages, input, async ([code, header, text, retryAfter, type], probe) => {
        const headers = headersOf([
          ['www-authenticate', header],
          ['retry-after', retryAfter],
          ['content-type', type],
        ])
        if (!headers) return
        const doors = defaultDoors({ sleep: async () => {}, fetch: async () => new Response(text, { status: code, headers }) })
        const request = buildApiRequest(apiProvider, apiProvider.environments.e, apiEndpoint, { id: '1' })
        const tokens = { accessToken: ACCESS_TOKEN, tokenType: 'bearer', scopes: [] }
        const outcome = await probe.settle(() => sendApiRequest(request, tokens, doors, apiEndpoint), SECRETS)
        if ('untyped' in outcome) return
        if (outcome.ok) {
          // A refusal the runtime acts on (a new token, more scope): only a 401 or 403 says so.
          expect(outcome.value.ok).toBe(false)
          expect([401, 403]).toContain(code)
          probe.reached('refusals')
          return
        }
        expect(outcome.error).toBeInstanceOf(ApiError)
        expect((outcome.error as ApiError).status).toBe(code)
        probe.reached('refusedTyped')
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'stored session records, read through the browser store',
    async (context) => {
      const input = fc.tuple(storedRecord, fc.constantFrom('pending', 'tokens', 'both'))
      await countCases(context, 'stored record (browser store)', ['withTokens'], input, async ([raw, where], probe) => {
        const pendingStorage = faultyStorage()
        const tokenStorage = faultyStorage()
        if (where !== 'tokens') pendingStorage.setItem(`grantflow:${KEY}`, raw)
        if (where !== 'pending') tokenStorage.setItem(`grantflow:${KEY}`, raw)
        const store = createBrowserStore({ pendingStorage, tokenStorage, persistRefreshTokens: true })
        const read = await probe.settle(
          async () => [await store.get(KEY), await store.findByState('s'), ...(await store.list({ kind: 'user', id: 'ada' }))],
          SECRETS,
        )
        if (!read.ok) return
        for (const session of read.value) expectUsableSession(session)
        if (read.value[0]?.tokens) probe.reached('withTokens')
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'stored session records, through the record validator and the memory store',
    async (context) => {
      await countCases(context, 'stored record (validator)', ['withTokens'], storedRecord, async (raw, probe) => {
        let value: unknown
        try {
          value = JSON.parse(raw)
        } catch {
          return // not JSON: the memory store only ever holds objects
        }
        const parsed = await probe.settle(() => parseSessionRecord(value), SECRETS)
        if (!parsed.ok || !parsed.value) return
        const session = parsed.value
        expectUsableSession(session)
        if (session.tokens) probe.reached('withTokens')
        // A session the validator let through survives the memory store's copies unchanged.
        const store = createMemoryStore()
        const kept = await probe.settle(async () => {
          await store.set(session, undefined)
          return store.get(session.key)
        }, SECRETS)
        if (kept.ok) expect(kept.value).toEqual(session)
      })
    },
    TEST_TIMEOUT_MS,
  )
})
