import fc from 'fast-check'
import { expect } from 'vitest'
import { defineClient, defineEndpoint, defineProvider, shape } from '../../src/index.js'
import { bearer } from '../../src/call/bearer.js'
import { buildApiRequest } from '../../src/call/buildRequest.js'
import type { TokenSet } from '../../src/model/tokens.js'
import { parseSessionRecord } from '../../src/session/sessionRecord.js'

// Near-valid token endpoint answers: a good one (RFC 6749 §5.1, an id_token where OpenID asks for
// one) with up to three things made hostile: a field's type, size or spelling, the id_token's
// claims or shape, or the answer's status, content type or encoding. About half still carry
// tokens; the other half must be refused typed.

export const as = {
  issuer: 'https://as.example',
  token_endpoint: 'https://as.example/token',
  authorization_response_iss_parameter_supported: true,
}
export const client = defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' })
export const ACCESS_TOKEN = 'AT-SECRET-1234567890'
export const REFRESH_TOKEN = 'RT-SECRET-1234567890'
export const OLD_REFRESH_TOKEN = 'RT-OLD-SECRET'
/** What no error may repeat: each token's distinctive part (a hostile variant keeps it). */
export const TOKEN_SECRETS = ['AT-SECRET', 'RT-SECRET', OLD_REFRESH_TOKEN]
/** The clock grantflow is given; oauth4webapi checks an id_token's times against the real one. */
export const NOW = Date.now()
const NOW_S = Math.floor(NOW / 1000)

/** Values a hostile or broken counterpart likes to send (tokens go only where tokens travel). */
export const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', 'null', '{}', '[]', '%', '%E0%A4%A', '\u0000', 'the-state', 'https://as.example', 'https://evil.example', 'a'.repeat(5000)),
)
/** Any JSON type, for a field that should have one. */
const wrongType = fc.constantFrom<unknown>(0, 1, -1, 3.5, true, false, null, [], {}, ['x'], { value: 'x' })
/** Suffixes that make a token unsendable or odd: a line break, NUL, non-ASCII, whitespace. */
const oddSuffix = fc.constantFrom('\n', '\r\nX-Injected: 1', '\u0000', '\t', ' ', 'é', '\u2028', '😀', '%0A', '"', ',')

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const jwt = (header: unknown, claims: unknown, signature = 'U0lH') => `${b64(header)}.${b64(claims)}.${signature}`

/** An id_token oauth4webapi takes (it does not verify a token endpoint's signature), bent in one way. */
export function idTokenArbitrary(nonce: string | undefined): fc.Arbitrary<string> {
  const claims = { iss: as.issuer, aud: client.clientId, sub: 'user-1', iat: NOW_S, exp: NOW_S + 3600, ...(nonce && { nonce }) }
  const header = { alg: 'RS256', typ: 'JWT' }
  const claimChange = fc.record({
    claim: fc.constantFrom('iss', 'aud', 'sub', 'iat', 'exp', 'nonce', 'azp', 'auth_time', 'nbf'),
    value: fc.oneof(
      wrongType,
      nasty,
      fc.constantFrom<unknown>(
        undefined,
        'user-2',
        'other-app',
        ['app'],
        ['app', 'other'],
        ['other'],
        NOW_S - 7200,
        NOW_S + 7200,
        'the-nonce',
        'x'.repeat(10_000),
      ),
    ),
  })
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(jwt(header, claims)) },
    {
      weight: 4,
      arbitrary: fc.array(claimChange, { minLength: 1, maxLength: 2 }).map((changes) => {
        const bent: Record<string, unknown> = { ...claims }
        for (const { claim, value } of changes) bent[claim] = value
        return jwt(header, bent)
      }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        jwt({ alg: 'none' }, claims, ''),
        jwt({ alg: 'HS256' }, claims),
        jwt({ typ: 'JWT' }, claims),
        jwt({ alg: 'RS256', crit: ['exp'] }, claims),
        jwt(header, [claims]),
        jwt(header, 'not json'),
        `${b64(header)}.${b64(claims)}`,
        `${jwt(header, claims)}.extra`,
        '',
        'not-a-jwt',
        '...',
      ),
    },
  )
}

/** A token endpoint's answer as it travels. */
export interface TokenAnswer {
  status: number
  contentType: string | undefined
  text: string
  /** The object the body was made from, as the provider meant it. */
  sent: Record<string, unknown>
}

type Change =
  | { field: string; value: unknown }
  | { drop: string }
  | { status: number }
  | { contentType: string | undefined }
  | { encoding: 'form' | 'truncated' | 'bom' | 'array' | 'stringified' }

const fieldChange: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    field: fc.constant('access_token'),
    value: fc.oneof(
      oddSuffix.map((suffix) => ACCESS_TOKEN + suffix),
      oddSuffix.map((suffix) => suffix + ACCESS_TOKEN),
      fc.constantFrom(ACCESS_TOKEN.repeat(500), '', ' ', [ACCESS_TOKEN], { token: ACCESS_TOKEN }),
      wrongType,
    ),
  }),
  fc.record({
    field: fc.constant('token_type'),
    value: fc.oneof(
      fc.constantFrom('bearer', 'BEARER', 'DPoP', 'dpop', 'mac', 'Basic', '', ' ', 'bearer ', ' Bearer', 'Bearer\n', 'bearer,dpop'),
      wrongType,
      nasty,
    ),
  }),
  fc.record({
    field: fc.constant('expires_in'),
    value: fc.oneof(
      fc.constantFrom<unknown>(
        0,
        -1,
        -3600,
        3600.5,
        1e-9,
        1e308,
        8.64e12,
        Number.MAX_SAFE_INTEGER,
        '3600',
        ' 3600 ',
        '3600s',
        '0x10',
        '1e400',
        '-1',
        'Infinity',
        '',
      ),
      fc.constantFrom<unknown>('null', [3600], ['3600'], [1, 2]),
      fc.double(),
      wrongType,
    ),
  }),
  fc.record({
    field: fc.constant('scope'),
    value: fc.oneof(
      fc.constantFrom<unknown>('read write', 'read,write', 'read  write', ' read ', '', ' ', 'read\twrite', 'read\nwrite', 'openid read', 'read read'),
      fc.constantFrom<unknown>(['read', 'write'], [], [1, 2], [null], [{}], [{ toString: 1 }], 'x '.repeat(5000), { read: true }),
      nasty,
      wrongType,
    ),
  }),
  fc.record({
    field: fc.constant('refresh_token'),
    value: fc.oneof(
      oddSuffix.map((suffix) => REFRESH_TOKEN + suffix),
      fc.constantFrom('', ' ', REFRESH_TOKEN.repeat(500), [REFRESH_TOKEN]),
      wrongType,
    ),
  }),
  fc.record({
    field: fc.constantFrom('error', 'error_description', 'access_token_validity', '__proto__', 'constructor', 'x'),
    value: fc.oneof(fc.constantFrom<unknown>('invalid_grant', '2099-01-01 00:00:00', '2000-01-01 00:00:00', '+275760-09-13T00:00:00Z'), nasty, wrongType),
  }),
  fc.record({ drop: fc.constantFrom('access_token', 'token_type', 'expires_in', 'refresh_token', 'scope', 'id_token') }),
)
const answerChange: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ status: fc.constantFrom(201, 204, 302, 400, 401, 403, 429, 500, 503) }),
  fc.record({
    contentType: fc.constantFrom(
      'application/json;charset=UTF-8',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'application/jwt',
      undefined,
    ),
  }),
  fc.record({ encoding: fc.constantFrom('form', 'truncated', 'bom', 'array', 'stringified') }),
)

/** Token endpoint refusals (RFC 6749 §5.2), bent: they must never be taken for tokens. */
const refusal: fc.Arbitrary<TokenAnswer> = fc
  .record(
    {
      status: fc.constantFrom(400, 401, 403, 500, 503),
      error: fc.oneof(fc.constantFrom('invalid_grant', 'invalid_client', 'invalid_request', 'server_error', 'temporarily_unavailable'), nasty, wrongType),
      description: fc.oneof(nasty, wrongType),
      withToken: fc.boolean(),
    },
    { requiredKeys: ['status', 'withToken'] },
  )
  .map(({ status, error, description, withToken }) => {
    const sent = { error, error_description: description, ...(withToken && { access_token: ACCESS_TOKEN }) }
    return { status, contentType: 'application/json', text: JSON.stringify(sent), sent }
  })

/**
 * Near-valid token answers. `idToken`: whether the good answer carries an id_token (and with
 * which nonce), as an OpenID exchange's would.
 */
export function tokenAnswerArbitrary(idToken: { nonce?: string } | undefined): fc.Arbitrary<TokenAnswer> {
  const good = {
    access_token: ACCESS_TOKEN,
    token_type: 'Bearer',
    expires_in: 3600,
    refresh_token: REFRESH_TOKEN,
    scope: idToken ? 'openid read' : 'read',
  }
  const changes = fc.array(fc.oneof({ weight: 6, arbitrary: fieldChange }, { weight: 1, arbitrary: answerChange }), { maxLength: 3 })
  const bent = fc.tuple(idToken ? idTokenArbitrary(idToken.nonce).map((token) => ({ id_token: token })) : fc.constant({}), changes).map(([extra, list]) => {
    const sent: Record<string, unknown> = { ...good, ...extra }
    let answer: Omit<TokenAnswer, 'text' | 'sent'> & { encoding?: string } = { status: 200, contentType: 'application/json' }
    for (const change of list) {
      if ('field' in change) Object.defineProperty(sent, change.field, { value: change.value, enumerable: true, writable: true, configurable: true })
      else if ('drop' in change) delete sent[change.drop]
      else answer = { ...answer, ...change }
    }
    // Form-encoded, every value travels as a string.
    const wire = answer.encoding === 'form' ? Object.fromEntries(formEntries(sent)) : sent
    return { ...answer, sent: wire, text: encode(sent, answer.encoding) }
  })
  return fc.oneof({ weight: 9, arbitrary: bent }, { weight: 1, arbitrary: refusal })
}

function formEntries(sent: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(sent).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])
}

function encode(sent: Record<string, unknown>, encoding: string | undefined): string {
  const json = JSON.stringify(sent)
  switch (encoding) {
    case 'form':
      return new URLSearchParams(formEntries(sent)).toString()
    case 'truncated':
      return json.slice(0, Math.floor(json.length / 2))
    case 'bom':
      return `\uFEFF${json}`
    case 'array':
      return `[${json}]`
    case 'stringified':
      return JSON.stringify(json)
    default:
      return json
  }
}

/** The answer as the fetch door returns it. */
export function responseOf(answer: TokenAnswer): Response {
  const headers = new Headers(answer.contentType === undefined ? {} : { 'content-type': answer.contentType })
  if (answer.status === 401) headers.set('www-authenticate', 'Basic realm="token"')
  return new Response([204, 304].includes(answer.status) ? null : answer.text, { status: answer.status, headers })
}

const apiProvider = defineProvider({
  id: 'p',
  name: 'P',
  environments: { e: { authorizationServer: { issuer: as.issuer, tokenEndpoint: as.token_endpoint }, apiBaseUrl: 'https://api.example' } },
})
const apiEndpoint = defineEndpoint({ method: 'GET', path: '/things/{id}', result: shape<unknown>() })

/**
 * What a user relies on of a token set grantflow produced: the access token the provider issued,
 * unchanged and sendable on the next call; a type grantflow can send; scopes as a list of scope
 * names; a refresh token that is a token, a finite expiry from now; claims of this issuer; and a
 * session holding it reads back from storage as it was stored.
 */
export function expectUsableTokens(tokens: TokenSet, answer: TokenAnswer, previous?: TokenSet): void {
  expect(tokens.accessToken).toBe(answer.sent.access_token)
  expect(['bearer', 'dpop']).toContain(tokens.tokenType)
  if (tokens.tokenType === 'bearer') {
    const request = buildApiRequest(apiProvider, apiProvider.environments.e, apiEndpoint, { id: '1' })
    bearer(request, tokens)
    expect(request.headers.get('authorization'), 'the access token as it goes on the next call').toBe(`Bearer ${tokens.accessToken}`)
  } else {
    expect(new Headers({ authorization: `DPoP ${tokens.accessToken}` }).get('authorization')).toBe(`DPoP ${tokens.accessToken}`)
  }
  for (const scope of tokens.scopes) expect(scope).toMatch(/^[^ ]+$/)
  if (tokens.refreshToken !== undefined) {
    expect(tokens.refreshToken).toBe(typeof answer.sent.refresh_token === 'string' ? answer.sent.refresh_token : previous?.refreshToken)
  }
  if (tokens.expiresAt !== undefined) {
    expect(Number.isFinite(tokens.expiresAt) && tokens.expiresAt >= NOW).toBe(true)
    expect(tokens.receivedAt).toBe(NOW)
  }
  if (tokens.idTokenClaims) {
    expect(tokens.idTokenClaims.iss).toBe(as.issuer)
    // oauth4webapi takes any string, '' too (OpenID Core §2 asks for a non-empty one); grantflow only compares it.
    expect(typeof tokens.idTokenClaims.sub).toBe('string')
  }
  const stored = JSON.parse(JSON.stringify({ key: 'k', api: 'a', environment: 'e', apiUser: { kind: 'user', id: 'u' }, tokens })) as unknown
  expect(parseSessionRecord(stored)?.tokens, 'the token set read back from storage').toEqual(tokens)
}
