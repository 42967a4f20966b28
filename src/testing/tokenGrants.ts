import { isConfidentialClient } from './clients.js'
import type { KitContext } from './context.js'
import { CODE_VERIFIER_PATTERN, s256 } from './crypto.js'
import { createGrant, grantIsLive, issueAccessToken, issueRefreshToken, revokeGrant } from './state.js'
import type { IssuedTokens } from './tokenResponse.js'
import type { KitClient } from './types.js'

/** What a grant handler decided: tokens to send, or an RFC 6749 §5.2 error. */
export type GrantOutcome = { ok: true; tokens: IssuedTokens } | { ok: false; error: string; description: string }

const refuse = (error: string, description: string): GrantOutcome => ({ ok: false, error, description })

/**
 * The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.6). A code is redeemed once: any
 * attempt spends it, and presenting it again revokes what its first redemption issued (§10.5).
 */
export async function exchangeAuthorizationCode(ctx: KitContext, client: KitClient, form: URLSearchParams): Promise<GrantOutcome> {
  const value = form.get('code')
  if (!value) return refuse('invalid_request', 'code is required')
  const code = ctx.state.codes.get(value)
  if (!code) return refuse('invalid_grant', 'The authorization code is not recognised')
  if (code.clientId !== client.clientId) return refuse('invalid_grant', 'The authorization code was issued to another client')
  if (code.used) {
    if (code.grantId) revokeGrant(ctx.state, code.grantId)
    return refuse('invalid_grant', 'The authorization code has already been used')
  }
  code.used = true
  if (ctx.now() >= code.expiresAt) return refuse('invalid_grant', 'The authorization code has expired')
  if (code.redirectUriSent && form.get('redirect_uri') !== code.redirectUri) {
    return refuse('invalid_grant', 'redirect_uri does not match the authorization request')
  }
  const verifier = form.get('code_verifier')
  if (!verifier) return refuse('invalid_grant', 'code_verifier is required (PKCE)')
  if (!CODE_VERIFIER_PATTERN.test(verifier) || (await s256(verifier)) !== code.codeChallenge) {
    return refuse('invalid_grant', 'PKCE verification failed')
  }

  const grantId = createGrant(ctx.state, { clientId: client.clientId, scopes: code.scopes, grantType: 'authorization_code' })
  code.grantId = grantId
  return { ok: true, tokens: issueTokens(ctx, grantId, code.scopes, ctx.issueRefreshTokens) }
}

/**
 * The refresh token grant (RFC 6749 §6). With rotation the presented refresh token is spent and a
 * new one returned; without it no refresh token is returned and the old one keeps working.
 */
export function refreshAccessToken(ctx: KitContext, client: KitClient, form: URLSearchParams): GrantOutcome {
  const value = form.get('refresh_token')
  if (!value) return refuse('invalid_request', 'refresh_token is required')
  const token = ctx.state.refreshTokens.get(value)
  if (!token) return refuse('invalid_grant', 'The refresh token is not recognised')
  if (token.clientId !== client.clientId) return refuse('invalid_grant', 'The refresh token was issued to another client')
  if (token.revoked || !grantIsLive(ctx.state, token.grantId)) return refuse('invalid_grant', 'The refresh token has been revoked')
  if (token.rotated) return refuse('invalid_grant', 'The refresh token has already been used')

  const granted = ctx.state.grants.get(token.grantId)?.scopes ?? []
  const asked = splitScope(form.get('scope'))
  if (asked && !asked.every((scope) => granted.includes(scope))) {
    return refuse('invalid_scope', 'A refresh cannot widen the scopes of the grant')
  }
  const scopes = asked ?? granted
  if (!ctx.rotateRefreshTokens) return { ok: true, tokens: issueTokens(ctx, token.grantId, scopes, false) }
  token.rotated = true
  return { ok: true, tokens: issueTokens(ctx, token.grantId, scopes, true) }
}

/**
 * The client credentials grant (RFC 6749 §4.4): confidential clients only, the requested scopes
 * granted, never a refresh token (a new token is requested when the old one expires).
 */
export function issueApplicationToken(ctx: KitContext, client: KitClient, form: URLSearchParams): GrantOutcome {
  if (!isConfidentialClient(client)) {
    return refuse('unauthorized_client', 'A public client cannot use the client credentials grant')
  }
  const scopes = splitScope(form.get('scope')) ?? []
  const grantId = createGrant(ctx.state, { clientId: client.clientId, scopes, grantType: 'client_credentials' })
  return { ok: true, tokens: issueTokens(ctx, grantId, scopes, false) }
}

function issueTokens(ctx: KitContext, grantId: string, scopes: string[], withRefreshToken: boolean): IssuedTokens {
  const ttl = ctx.accessTokenTtlSeconds
  const tokens: IssuedTokens = {
    accessToken: issueAccessToken(ctx.state, grantId, scopes, ctx.now() + ttl * 1000),
    expiresInSeconds: ttl,
    scopes,
  }
  if (withRefreshToken) tokens.refreshToken = issueRefreshToken(ctx.state, grantId)
  return tokens
}

function splitScope(scope: string | null): string[] | undefined {
  return scope === null ? undefined : scope.split(' ').filter(Boolean)
}
