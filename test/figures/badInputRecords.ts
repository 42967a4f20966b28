import fc from 'fast-check'
import { expect } from 'vitest'
import type { Session } from '../../src/model/session.js'
import { parseSessionRecord } from '../../src/session/sessionRecord.js'
import { ACCESS_TOKEN, nasty, REFRESH_TOKEN } from './badInputTokens.js'

// Stored session records as a store reads them back: corrupt JSON, wrong shapes, older
// versions' records, tokens and pending authorizations of the wrong types.

export const KEY = 'acme/production/user%3Aada'
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
/** Stored tokens: a good set with up to two fields dropped or made odd. */
const storedTokens = fc
  .record({
    changes: fc.array(
      fc.record({
        field: fc.constantFrom('accessToken', 'tokenType', 'refreshToken', 'expiresAt', 'receivedAt', 'scopes', 'idTokenClaims'),
        value: fc.oneof(oddValue, fc.constantFrom<unknown>(undefined, 'soon', '1e99', Infinity), fc.array(oddValue, { maxLength: 3 })),
      }),
      { maxLength: 2 },
    ),
  })
  .map(({ changes }) => {
    const tokens: Record<string, unknown> = {
      accessToken: ACCESS_TOKEN,
      tokenType: 'bearer',
      refreshToken: REFRESH_TOKEN,
      expiresAt: 2e12,
      receivedAt: 1e12,
      scopes: ['read'],
    }
    for (const { field, value } of changes) tokens[field] = value
    return tokens
  })
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
export const storedRecord = fc.oneof(
  // Truncated or edited JSON, and JSON that is no record at all.
  fc.string(),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc
    .nat({ max: 120 })
    .map((cut) => JSON.stringify({ ...goodRecord, tokens: { accessToken: ACCESS_TOKEN, tokenType: 'bearer', scopes: ['read'] } }).slice(0, cut)),
  // A record of this shape with any field dropped (older versions: no errors, no updatedAt) or made odd.
  fc
    .record({
      // Mostly the fields older versions did not write; now and then one the identity needs.
      drop: fc.oneof(
        { weight: 4, arbitrary: fc.subarray(['errors', 'updatedAt']) },
        { weight: 1, arbitrary: fc.subarray(['key', 'api', 'environment', 'apiUser']) },
      ),
      odd: fc.dictionary(fc.constantFrom('key', 'api', 'environment', 'apiUser', 'errors', 'updatedAt', 'version'), oddValue, { maxKeys: 1 }),
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
export function expectUsableSession(session: Session | undefined): void {
  if (session === undefined) return
  expect(parseSessionRecord(session)).toBeDefined()
  expect(Array.isArray(session.errors)).toBe(true)
  if (session.tokens) {
    expect(typeof session.tokens.accessToken).toBe('string')
    expect(Array.isArray(session.tokens.scopes)).toBe(true)
    if (session.tokens.expiresAt !== undefined) expect(Number.isFinite(session.tokens.expiresAt)).toBe(true)
  }
}
