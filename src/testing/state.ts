import { randomToken } from './crypto.js'

/** How long an authorization code can be redeemed (RFC 6749 §4.1.2 recommends 10 minutes at most). */
export const CODE_TTL_MS = 10 * 60_000

/** What one consent or one client credentials request granted; every token descends from one. */
export interface Grant {
  clientId: string
  scopes: string[]
  grantType: 'authorization_code' | 'client_credentials'
  revoked: boolean
}

export interface IssuedCode {
  clientId: string
  redirectUri: string
  /** Whether the authorization request named the redirect URI (then the token request must repeat it). */
  redirectUriSent: boolean
  codeChallenge: string
  scopes: string[]
  nonce?: string
  expiresAt: number
  used: boolean
  /** The grant its redemption created, revoked if the code is presented again (RFC 6749 §10.5). */
  grantId?: string
}

export interface AccessTokenRecord {
  grantId: string
  clientId: string
  scopes: string[]
  expiresAt: number
  /** Set by `kit.expireAccessTokens()` (or issued so, with its `alsoNext`). */
  forcedExpired: boolean
  revoked: boolean
}

export interface RefreshTokenRecord {
  grantId: string
  clientId: string
  /** Spent by a refresh that rotated it. */
  rotated: boolean
  revoked: boolean
}

/** The fake authorization server's memory. Token values are map keys and go nowhere else. */
export interface ServerState {
  codes: Map<string, IssuedCode>
  grants: Map<string, Grant>
  accessTokens: Map<string, AccessTokenRecord>
  refreshTokens: Map<string, RefreshTokenRecord>
  /** How many of the next access tokens are issued expired (`kit.expireAccessTokens({ alsoNext })`). */
  expiredIssuesLeft: number
}

export function createServerState(): ServerState {
  return { codes: new Map(), grants: new Map(), accessTokens: new Map(), refreshTokens: new Map(), expiredIssuesLeft: 0 }
}

export function clearServerState(state: ServerState): void {
  state.codes.clear()
  state.grants.clear()
  state.accessTokens.clear()
  state.refreshTokens.clear()
  state.expiredIssuesLeft = 0
}

export function issueCode(state: ServerState, code: Omit<IssuedCode, 'used' | 'grantId'>): string {
  const value = randomToken('code')
  state.codes.set(value, { ...code, used: false })
  return value
}

export function createGrant(state: ServerState, grant: Omit<Grant, 'revoked'>): string {
  const id = randomToken('grant')
  state.grants.set(id, { ...grant, revoked: false })
  return id
}

export function issueAccessToken(state: ServerState, grantId: string, scopes: string[], expiresAt: number): string {
  const grant = mustGetGrant(state, grantId)
  const value = randomToken('at')
  const forcedExpired = state.expiredIssuesLeft > 0
  if (forcedExpired) state.expiredIssuesLeft -= 1
  state.accessTokens.set(value, { grantId, clientId: grant.clientId, scopes, expiresAt, forcedExpired, revoked: false })
  return value
}

export function issueRefreshToken(state: ServerState, grantId: string): string {
  const grant = mustGetGrant(state, grantId)
  const value = randomToken('rt')
  state.refreshTokens.set(value, { grantId, clientId: grant.clientId, rotated: false, revoked: false })
  return value
}

/** Revokes a grant and so every access and refresh token issued under it. */
export function revokeGrant(state: ServerState, grantId: string): void {
  const grant = state.grants.get(grantId)
  if (grant) grant.revoked = true
  for (const token of state.accessTokens.values()) if (token.grantId === grantId) token.revoked = true
  for (const token of state.refreshTokens.values()) if (token.grantId === grantId) token.revoked = true
}

export function revokeEverything(state: ServerState): void {
  for (const id of state.grants.keys()) revokeGrant(state, id)
  for (const code of state.codes.values()) code.used = true
}

/**
 * Expires every access token issued so far and, with `alsoNext`, that many of the next ones as they
 * are issued: a renewal that succeeds and whose token the API refuses too (work that runs on by
 * itself, after the test's last chance to act).
 */
export function expireAccessTokens(state: ServerState, alsoNext = 0): void {
  if (!(Number.isInteger(alsoNext) && alsoNext >= 0)) throw new RangeError(`provider kit: alsoNext must be a whole number, 0 or more (got ${alsoNext})`)
  for (const token of state.accessTokens.values()) token.forcedExpired = true
  state.expiredIssuesLeft = alsoNext
}

export type AccessTokenCheck = { valid: true; token: AccessTokenRecord; grant: Grant } | { valid: false; reason: string }

/** Whether a bearer token may be used now, and why not. */
export function checkAccessToken(state: ServerState, value: string, now: number): AccessTokenCheck {
  const token = state.accessTokens.get(value)
  if (!token) return { valid: false, reason: 'The access token is not recognised' }
  const grant = mustGetGrant(state, token.grantId)
  if (token.revoked || grant.revoked) return { valid: false, reason: 'The access token has been revoked' }
  if (token.forcedExpired || now >= token.expiresAt) return { valid: false, reason: 'The access token has expired' }
  return { valid: true, token, grant }
}

export function grantIsLive(state: ServerState, grantId: string): boolean {
  return !mustGetGrant(state, grantId).revoked
}

function mustGetGrant(state: ServerState, grantId: string): Grant {
  const grant = state.grants.get(grantId)
  if (!grant) throw new Error('provider kit: a token refers to an unknown grant')
  return grant
}
