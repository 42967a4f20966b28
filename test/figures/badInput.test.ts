import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createBrowserStore,
  createMemoryStore,
  defaultDoors,
  defineClient,
  defineEndpoint,
  defineProvider,
  fixes,
  GrantflowError,
  shape,
} from '../../src/index.js'
import { buildApiRequest } from '../../src/call/buildRequest.js'
import { sendApiRequest } from '../../src/call/sendRequest.js'
import type { PendingAuthorization, Session } from '../../src/model/session.js'
import { validateCallback } from '../../src/grants/authorizationCode/callback.js'
import type { OAuthContext } from '../../src/oauth/context.js'
import { parseChallenge } from '../../src/oauth/parseChallenge.js'
import { refreshTokens } from '../../src/grants/refreshToken/refresh.js'
import { parseSessionRecord } from '../../src/session/sessionRecord.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { faultyStorage } from './faultInjector.js'

// Bad input, counted: every parser meets FUZZ_RUNS generated cases (10,000 by default; `npm run
// test:fuzz` raises it) and each must end in a value or a typed GrantflowError that repeats no
// token. A case ending otherwise is counted as uncaught, and the parser's test fails.

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)
/** fast-check's seed, printed on failure, replays a failing run: FUZZ_SEED=... */
// The suite runs one fixed seed, so a run in CI is the run anyone can repeat; `npm run test:fuzz`
// explores (FUZZ_SEED=random) with ten times the cases, and a counterexample it finds becomes a test.
const SEED = process.env.FUZZ_SEED === 'random' ? {} : { seed: Number(process.env.FUZZ_SEED ?? 20_261_201) }
const SECRETS = ['AT-SECRET-1234567890', 'RT-SECRET-1234567890', 'RT-OLD-SECRET'] as const
const TEST_TIMEOUT_MS = 60_000 + RUNS * 5

const as = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token', authorization_response_iss_parameter_supported: true }
const client = defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' })
const pending: PendingAuthorization = { state: 'the-state', codeVerifier: 'v'.repeat(43), scopes: ['read'], createdAt: 0 }

/** Values a hostile or broken counterpart likes to send (tokens go only where tokens travel). */
const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', 'null', '{}', '[]', '%', '%E0%A4%A', '\u0000', 'the-state', 'https://as.example', 'https://evil.example', 'a'.repeat(5000)),
)

/**
 * Runs a parser over RUNS cases: `outcome` returns normally (a value, checked by the parser's
 * own assertions) or throws. A throw that is not a GrantflowError, or that repeats a token, is
 * uncaught; the counts go on the `bad input` line.
 */
async function countCases<T>(context: FigureTask, label: string, arbitrary: fc.Arbitrary<T>, outcome: (input: T) => unknown) {
  const figure = recordFigure(context, { group: 'bad input', label, counts: { cases: 0, uncaught: 0 } })
  const counts = figure.counts!
  const uncaught: unknown[] = []
  await fc.assert(
    fc.asyncProperty(arbitrary, async (input) => {
      counts.cases! += 1
      try {
        await outcome(input)
      } catch (error) {
        const said = error instanceof Error ? `${error.message} ${JSON.stringify(error)}` : String(error)
        if (error instanceof GrantflowError && !SECRETS.some((secret) => said.includes(secret))) return
        counts.uncaught! += 1
        if (uncaught.length < 3) uncaught.push(error)
        throw error
      }
    }),
    { numRuns: RUNS, endOnFailure: true, ...SEED },
  )
  expect(uncaught).toEqual([])
}

const tokenish = fc.record(
  {
    access_token: fc.oneof(fc.constant(SECRETS[0]), nasty, fc.integer(), fc.constant(null)),
    token_type: fc.oneof(fc.constantFrom('bearer', 'Bearer', 'DPoP', 'mac'), nasty),
    expires_in: fc.oneof(fc.integer({ min: -10, max: 1e9 }), nasty, fc.double()),
    refresh_token: fc.oneof(fc.constant(SECRETS[1]), nasty),
    scope: fc.oneof(fc.constantFrom('read', 'read,write', 'read write'), nasty, fc.array(fc.string())),
    error: nasty,
    error_description: nasty,
    access_token_validity: nasty,
  },
  { requiredKeys: [] },
)
const statusCode = fc.constantFrom(200, 201, 204, 302, 400, 401, 403, 429, 500, 502, 503)
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'text/html')
const tokenAnswer = fc.tuple(
  statusCode,
  contentType,
  fc.oneof(
    tokenish.map((v) => JSON.stringify(v)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    nasty,
  ),
)
/** Token endpoint refusals: RFC 6749 §5.2 bodies, bent. */
const errorBody = fc.record(
  {
    error: fc.oneof(
      fc.constantFrom('invalid_grant', 'invalid_client', 'invalid_request', 'unauthorized_client', 'server_error'),
      nasty,
      fc.integer(),
      fc.constant(null),
    ),
    error_description: fc.oneof(nasty, fc.integer()),
    error_uri: nasty,
    access_token: fc.constant(SECRETS[0]),
  },
  { requiredKeys: [] },
)
const tokenError = fc.tuple(
  fc.constantFrom(400, 401, 403, 500),
  contentType,
  fc.oneof(
    errorBody.map((v) => JSON.stringify(v)),
    nasty,
  ),
)

async function refreshWith([code, type, text]: readonly [number, string, string], withFixes: boolean) {
  const context: OAuthContext = {
    as,
    client,
    fixes: withFixes ? Object.values(fixes) : [],
    doors: defaultDoors({
      sleep: async () => {},
      fetch: async () => new Response([204, 304].includes(code) ? null : text, { status: code, headers: { 'content-type': type } }),
    }),
  }
  const tokens = await refreshTokens(context, { accessToken: 'old', tokenType: 'bearer', refreshToken: SECRETS[2], scopes: ['read'] })
  expect(typeof tokens.accessToken).toBe('string')
  expect(Array.isArray(tokens.scopes)).toBe(true)
  if (tokens.expiresAt !== undefined) expect(Number.isFinite(tokens.expiresAt)).toBe(true)
}

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

/** Stored records: corrupt JSON, wrong shapes, older versions' records, tokens of the wrong types. */
const KEY = 'acme/production/user%3Aada'
const goodRecord = { key: KEY, api: 'acme', environment: 'production', apiUser: { kind: 'user', id: 'ada' }, errors: [], updatedAt: 1 }
const oddValue = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
)
const storedTokens = fc.record(
  {
    accessToken: fc.oneof(fc.constant(SECRETS[0]), oddValue),
    tokenType: fc.oneof(fc.constant('bearer'), oddValue),
    refreshToken: fc.oneof(fc.constant(SECRETS[1]), oddValue),
    expiresAt: fc.oneof(fc.integer(), fc.constantFrom('soon', '1e99', null, Infinity), oddValue),
    receivedAt: fc.oneof(fc.integer(), oddValue),
    scopes: fc.oneof(fc.constant(['read']), oddValue, fc.array(oddValue, { maxLength: 3 })),
  },
  { requiredKeys: [] },
)
const storedPending = fc.record(
  {
    state: fc.oneof(fc.constant('s'), oddValue),
    codeVerifier: fc.oneof(fc.constant('v'.repeat(43)), oddValue),
    scopes: fc.oneof(fc.constant(['read']), oddValue),
    createdAt: fc.oneof(fc.integer(), oddValue),
    call: oddValue,
    returnTo: oddValue,
  },
  { requiredKeys: [] },
)
const storedRecord = fc.oneof(
  // Truncated or edited JSON, and JSON that is no record at all.
  fc.string(),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc
    .nat({ max: 120 })
    .map((cut) => JSON.stringify({ ...goodRecord, tokens: { accessToken: SECRETS[0], tokenType: 'bearer', scopes: ['read'] } }).slice(0, cut)),
  // A record of this shape with any field dropped (older versions: no errors, no updatedAt) or made odd.
  fc
    .record({
      drop: fc.subarray(['key', 'api', 'environment', 'apiUser', 'errors', 'updatedAt']),
      odd: fc.dictionary(fc.constantFrom('key', 'api', 'environment', 'apiUser', 'errors', 'updatedAt'), oddValue, { maxKeys: 2 }),
      tokens: fc.option(storedTokens, { nil: undefined }),
      pending: fc.option(storedPending, { nil: undefined }),
    })
    .map(({ drop, odd, tokens, pending }) => {
      const record: Record<string, unknown> = { ...goodRecord, ...odd, tokens, pending }
      for (const field of drop) delete record[field]
      return JSON.stringify(record)
    }),
)

/** What the runtime relies on of a session it reads back. */
function expectUsableSession(session: Session | undefined): void {
  if (session === undefined) return
  expect(parseSessionRecord(session)).toBeDefined()
  expect(Array.isArray(session.errors)).toBe(true)
  if (session.tokens) {
    expect(typeof session.tokens.accessToken).toBe('string')
    expect(Array.isArray(session.tokens.scopes)).toBe(true)
    if (session.tokens.expiresAt !== undefined) expect(Number.isFinite(session.tokens.expiresAt)).toBe(true)
  }
}

describe('bad input, counted', () => {
  it(
    'callbacks',
    async (context) => {
      const key = fc.constantFrom('code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state', 'response', 'x')
      await countCases(context, 'callbacks', fc.array(fc.tuple(key, nasty), { maxLength: 8 }), (pairs) => {
        const validated = validateCallback({ as, client }, new URLSearchParams(pairs), pending)
        expect(validated.get('code')).toBeTruthy()
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'token responses',
    async (context) => {
      await countCases(context, 'token responses', tokenAnswer, (answer) => refreshWith(answer, false))
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'token responses through the compliance fixes',
    async (context) => {
      await countCases(context, 'token responses with fixes', tokenAnswer, (answer) => refreshWith(answer, true))
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'token endpoint error bodies',
    async (context) => {
      await countCases(context, 'token endpoint errors', fc.tuple(tokenError, fc.boolean()), async ([answer, withFixes]) => {
        await refreshWith(answer, withFixes)
        // A refusal is never taken for tokens.
        throw new Error(`a ${answer[0]} answer was taken for tokens`)
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'WWW-Authenticate headers',
    async (context) => {
      await countCases(context, 'WWW-Authenticate', challengeHeader, async (header) => {
        const headers = headersOf([['www-authenticate', header]])
        if (!headers) return
        const challenge = await parseChallenge(new Response(null, { status: 401, headers }))
        if (challenge) expect(Array.isArray(challenge.scopes)).toBe(true)
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'API error bodies and challenges',
    async (context) => {
      const body = fc.oneof(
        nasty,
        errorBody.map((v) => JSON.stringify(v)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      )
      const input = fc.tuple(fc.constantFrom(400, 401, 403, 404, 409, 422, 429, 500, 503), fc.option(challengeHeader), body, fc.option(nasty), contentType)
      await countCases(context, 'API errors', input, async ([code, header, text, retryAfter, type]) => {
        const headers = headersOf([
          ['www-authenticate', header],
          ['retry-after', retryAfter],
          ['content-type', type],
        ])
        if (!headers) return
        const doors = defaultDoors({ fetch: async () => new Response(text, { status: code, headers }) })
        const request = buildApiRequest(apiProvider, apiProvider.environments.e, apiEndpoint, { id: '1' })
        const outcome = await sendApiRequest(request, { accessToken: SECRETS[0], tokenType: 'bearer', scopes: [] }, doors, apiEndpoint)
        expect(outcome.ok).toBe(false)
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'stored session records, read through the browser store',
    async (context) => {
      const input = fc.tuple(storedRecord, fc.constantFrom('pending', 'tokens', 'both'))
      await countCases(context, 'stored records (browser store)', input, async ([raw, where]) => {
        const pendingStorage = faultyStorage()
        const tokenStorage = faultyStorage()
        if (where !== 'tokens') pendingStorage.setItem(`grantflow:${KEY}`, raw)
        if (where !== 'pending') tokenStorage.setItem(`grantflow:${KEY}`, raw)
        const store = createBrowserStore({ pendingStorage, tokenStorage, persistRefreshTokens: true })
        expectUsableSession(await store.get(KEY))
        expectUsableSession(await store.findByState('s'))
        for (const session of await store.list({ kind: 'user', id: 'ada' })) expectUsableSession(session)
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'stored session records, through the memory store and the record validator',
    async (context) => {
      await countCases(context, 'stored records (memory store)', storedRecord, async (raw) => {
        let value: unknown
        try {
          value = JSON.parse(raw)
        } catch {
          return // not JSON: the memory store only ever holds objects
        }
        const session = parseSessionRecord(value)
        expectUsableSession(session)
        if (!session) return
        // A session the validator let through survives the memory store's copies unchanged.
        const store = createMemoryStore()
        await store.set(session, undefined)
        expect(await store.get(session.key)).toEqual(session)
      })
    },
    TEST_TIMEOUT_MS,
  )
})
