import { HttpResponse } from 'msw'
import type { KitQuirk } from './types.js'

type Quirks = Partial<Record<KitQuirk, boolean>>

/** A successful token response before quirks are applied (RFC 6749 §5.1). */
export interface IssuedTokens {
  accessToken: string
  expiresInSeconds: number
  scopes: string[]
  refreshToken?: string
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

/**
 * The token response as the provider sends it: RFC 6749 §5.1 JSON, bent by the quirks the kit
 * was asked to imitate. No `id_token` is issued even for `openid`: the kit is an OAuth server,
 * not an OpenID provider, and grantflow does not rely on ID tokens.
 */
export function tokenSuccessResponse(tokens: IssuedTokens, quirks: Quirks, now: number): Response {
  const body: Record<string, string | number> = {
    access_token: tokens.accessToken,
    token_type: quirks.tokenTypeLowercase ? 'bearer' : 'Bearer',
    expires_in: quirks.expiresInAsString ? String(tokens.expiresInSeconds) : tokens.expiresInSeconds,
  }
  if (quirks.tokenTypeMissing) delete body.token_type
  if (quirks.accessTokenValidity) {
    // Odoo: an absolute UTC date with a space and no zone, instead of a lifetime.
    delete body.expires_in
    body.access_token_validity = odooDateTime(now + tokens.expiresInSeconds * 1000)
  }
  if (tokens.scopes.length > 0) body.scope = tokens.scopes.join(quirks.commaSeparatedScope ? ',' : ' ')
  if (tokens.refreshToken) body.refresh_token = tokens.refreshToken
  return encode(body, 200, quirks)
}

/** A token error (RFC 6749 §5.2): 400, or 401 with a challenge for a failed client authentication. */
export function tokenErrorResponse(error: string, description: string, quirks: Quirks, options: { status?: number; basicChallenge?: boolean } = {}): Response {
  const status = quirks.errorWithStatus200 ? 200 : (options.status ?? 400)
  const headers = options.basicChallenge ? { 'www-authenticate': 'Basic realm="token"' } : undefined
  return encode({ error, error_description: description }, status, quirks, headers)
}

function encode(body: Record<string, string | number>, status: number, quirks: Quirks, extra?: Record<string, string>): Response {
  const headers = { ...NO_STORE, ...extra }
  if (quirks.formEncoded) {
    const form = new URLSearchParams(Object.entries(body).map(([name, value]) => [name, String(value)]))
    return new HttpResponse(form.toString(), {
      status,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    })
  }
  return HttpResponse.json(body, { status, headers })
}

/** `YYYY-MM-DD HH:MM:SS` in UTC. */
function odooDateTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')
}
