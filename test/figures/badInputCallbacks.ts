import fc from 'fast-check'
import type { PendingAuthorization } from '../../src/model/session.js'
import { as, nasty, tokenAnswerArbitrary, type TokenAnswer } from './badInputTokens.js'

// Near-valid callbacks: the provider's redirect back (code, the pending state, the provider's
// iss), delivered as the app would be handed it (its URLSearchParams, the URL with a query or a
// fragment, a bare query string), with up to three changes. Most leave state and iss alone and
// bend everything else (the code's value and size, duplicated or extra parameters, a provider
// error, a hybrid response's id_token); a few tamper with state or iss, and must stop there.

export const STATE = 'the-state'
export const CODE = 'CODE-SECRET-1234567890'
/** The PKCE verifier (43 to 128 unreserved characters): a secret no error may repeat either. */
export const VERIFIER = `VERIFIER-SECRET-${'v'.repeat(30)}`
export const CALLBACK_SECRETS = ['CODE-SECRET', 'VERIFIER-SECRET']

const plain: PendingAuthorization = { state: STATE, codeVerifier: VERIFIER, scopes: ['read'], createdAt: 0 }
const openid: PendingAuthorization = { ...plain, scopes: ['openid', 'read'], nonce: 'the-nonce' }

type Change = { set: string; to: string } | { drop: string } | { add: string; value: string }

const hostileCode = fc.oneof(
  fc.constantFrom('\n', ' ', '\u0000', 'é', '😀', '&state=x', '#', '%', '%00', '"').map((suffix) => CODE + suffix),
  fc.constantFrom(CODE.repeat(1000), `${CODE} `, ` ${CODE}`, '', ' ', '%E0%A4%A'),
  nasty.map((text) => CODE + text),
)
const everythingElse: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ set: fc.constant('code'), to: hostileCode }) },
  {
    weight: 3,
    arbitrary: fc.record({
      add: fc.constantFrom('error_description', 'error_uri', 'session_state', 'scope', 'x', '__proto__', 'constructor', 'nonce', 'expires_in'),
      value: nasty,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      add: fc.constantFrom('error', 'code', 'id_token', 'token', 'response'),
      value: fc.oneof(fc.constantFrom('access_denied', 'invalid_scope', 'server_error', 'another-code', 'e30.e30.'), nasty),
    }),
  },
  { weight: 1, arbitrary: fc.record({ drop: fc.constant('code') }) },
)
const stateOrIss: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ drop: fc.constantFrom('state', 'iss') }),
  fc.record({
    set: fc.constantFrom('state', 'iss'),
    to: fc.oneof(fc.constantFrom('The-state', 'the-state ', 'https://as.example/', 'https://AS.example', 'https://evil.example', ''), nasty),
  }),
  fc.record({ add: fc.constantFrom('state', 'iss'), value: fc.oneof(fc.constantFrom(STATE, as.issuer), nasty) }),
)

export interface CallbackCase {
  pending: PendingAuthorization
  /** The callback's parameters, in order. */
  pairs: Array<[string, string]>
  /** The callback in the form the app hands it over. */
  callback: string | URLSearchParams
  /** What the token endpoint answers, should the code get that far. */
  answer: TokenAnswer
}

function deliver(pairs: Array<[string, string]>, form: 'params' | 'query' | 'url' | 'fragment'): string | URLSearchParams {
  const params = new URLSearchParams(pairs)
  if (form === 'params') return params
  if (form === 'query') return `?${params}`
  return form === 'url' ? `https://app.example/callback?${params}` : `https://app.example/callback#${params}`
}

export const callbackCase: fc.Arbitrary<CallbackCase> = fc
  .tuple(
    fc.constantFrom(plain, openid),
    fc.array(fc.oneof({ weight: 6, arbitrary: everythingElse }, { weight: 1, arbitrary: stateOrIss }), { maxLength: 3 }),
    fc.constantFrom<'params' | 'query' | 'url' | 'fragment'>('params', 'query', 'url', 'fragment'),
  )
  .chain(([pending, changes, form]) => {
    let pairs: Array<[string, string]> = [
      ['code', CODE],
      ['state', STATE],
      ['iss', as.issuer],
    ]
    for (const change of changes) {
      if ('drop' in change) pairs = pairs.filter(([key]) => key !== change.drop)
      else if ('set' in change) pairs = pairs.map(([key, value]) => [key, key === change.set ? change.to : value])
      else pairs.push([change.add, change.value])
    }
    const answer = tokenAnswerArbitrary(pending.nonce ? { nonce: pending.nonce } : undefined)
    return answer.map((tokenAnswer) => ({ pending, pairs, callback: deliver(pairs, form), answer: tokenAnswer }))
  })

/** Whether the callback carries the pending state and the provider's iss, once each. */
export function stateAndIssIntact(pairs: Array<[string, string]>): boolean {
  const values = (name: string) => pairs.filter(([key]) => key === name).map(([, value]) => value)
  return values('state').join('\n') === STATE && values('iss').join('\n') === as.issuer
}
