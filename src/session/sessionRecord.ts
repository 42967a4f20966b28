import type { ConnectionError, PendingAuthorization, Session } from '../model/session.js'
import type { TokenSet } from '../model/tokens.js'

// What a browser store reads back was written by this or an older version, or edited, truncated
// or planted by someone else: it is checked field by field before the runtime adopts it. A record
// whose identity is wrong is ignored; tokens or a pending authorization in a bad shape are left
// out (the user is asked again rather than a call crashing on them); fields older versions did
// not write get their defaults.

type Check = (value: unknown) => boolean
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isString: Check = (value) => typeof value === 'string'
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value)
const isStrings: Check = (value) => Array.isArray(value) && value.every(isString)
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value)

/** Whether every field named has a value passing its check. */
function fits(value: unknown, shape: Record<string, Check>): boolean {
  return isObject(value) && Object.entries(shape).every(([field, check]) => check(value[field]))
}

const TOKENS = {
  accessToken: (value: unknown) => isString(value) && value !== '',
  tokenType: isString,
  refreshToken: optional(isString),
  expiresAt: optional(isNumber),
  receivedAt: optional(isNumber),
  scopes: isStrings,
  idTokenClaims: optional(isObject),
}
const CALL = { api: isString, endpoint: isString, params: isObject }
const PENDING = {
  state: isString,
  codeVerifier: isString,
  nonce: optional(isString),
  scopes: isStrings,
  returnTo: optional(isString),
  createdAt: isNumber,
  call: optional((value) => fits(value, CALL)),
}
const ERROR = { at: isNumber, step: isString, code: isString, error: optional(isString), description: optional(isString) }

/**
 * A stored session record checked for the shape the runtime relies on: the session, or
 * undefined when it is not one (or is stored under another key).
 *
 * @example
 * const session = parseSessionRecord(JSON.parse(raw), key)
 */
export function parseSessionRecord(value: unknown, key?: string): Session | undefined {
  if (!fits(value, { key: isString, api: isString, environment: isString, apiUser: (user) => fits(user, { kind: isString, id: isString }) })) return undefined
  const record = value as Record<string, unknown> & Pick<Session, 'key' | 'api' | 'environment' | 'apiUser'>
  if (key !== undefined && record.key !== key) return undefined
  const session: Session = {
    key: record.key,
    api: record.api,
    environment: record.environment,
    apiUser: { kind: record.apiUser.kind, id: record.apiUser.id },
    errors: Array.isArray(record.errors) ? (record.errors.filter((error) => fits(error, ERROR)) as ConnectionError[]) : [],
    updatedAt: isNumber(record.updatedAt) ? (record.updatedAt as number) : 0,
  }
  if (isNumber(record.version)) session.version = record.version as number
  if (fits(record.tokens, TOKENS)) session.tokens = record.tokens as TokenSet
  if (fits(record.pending, PENDING)) session.pending = record.pending as PendingAuthorization
  return session
}
