import { describe, expect, it } from 'vitest'
import { applyTokenResponseFixes, fixes } from '../../src/providers/fixes/index.js'
import { createProviderKit, type KitQuirk } from '../../src/testing/index.js'
import { HMRC_TOKEN, hmrc, postForm, signIn, signInResponse, useMswServer } from './support.js'

const { serve } = useMswServer()
const NOW = Date.parse('2026-03-01T10:00:00Z')

function kitWith(quirk: KitQuirk) {
  return serve(createProviderKit({ provider: hmrc, environment: 'sandbox', quirks: { [quirk]: true }, now: () => NOW }))
}

/** A token request that fails: an unknown refresh token. */
function failingRefresh() {
  return postForm(HMRC_TOKEN, { grant_type: 'refresh_token', refresh_token: 'rt_unknown', client_id: 'test-client' })
}

describe('token response quirks', () => {
  it('sends a standard response without quirks', async () => {
    const body = await signIn(serve(createProviderKit({ provider: hmrc, environment: 'sandbox' })))
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:vat write:vat' })
  })

  it('expiresInAsString sends expires_in as a string', async () => {
    expect((await signIn(kitWith('expiresInAsString'))).expires_in).toBe('3600')
  })

  it('accessTokenValidity sends an Odoo-style UTC date instead of expires_in', async () => {
    const body = (await signIn(kitWith('accessTokenValidity'))) as unknown as Record<string, unknown>
    expect(body).not.toHaveProperty('expires_in')
    expect(body.access_token_validity).toBe('2026-03-01 11:00:00')
  })

  it('tokenTypeLowercase sends "bearer"', async () => {
    expect((await signIn(kitWith('tokenTypeLowercase'))).token_type).toBe('bearer')
  })

  it('tokenTypeMissing leaves token_type out', async () => {
    const body = await signIn(kitWith('tokenTypeMissing'))
    expect(body.access_token).toMatch(/\S/)
    expect(body).not.toHaveProperty('token_type')
  })

  it('commaSeparatedScope joins scopes with commas', async () => {
    expect((await signIn(kitWith('commaSeparatedScope'))).scope).toBe('read:vat,write:vat')
  })

  it('errorWithStatus200 sends token errors with HTTP 200', async () => {
    kitWith('errorWithStatus200')
    const response = await failingRefresh()
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('formEncoded sends tokens and errors as application/x-www-form-urlencoded', async () => {
    const kit = kitWith('formEncoded')
    const response = await signInResponse(kit)
    expect(response.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    const body = new URLSearchParams(await response.text())
    expect(body.get('token_type')).toBe('Bearer')
    expect(body.get('expires_in')).toBe('3600')
    const refused = await failingRefresh()
    expect(refused.status).toBe(400)
    expect(new URLSearchParams(await refused.text()).get('error')).toBe('invalid_grant')
  })

  it.each([
    ['expiresInAsString', 'expiresInAsString'],
    ['accessTokenValidity', 'accessTokenValidity'],
    ['tokenTypeMissing', 'missingTokenType'],
    ['commaSeparatedScope', 'commaSeparatedScope'],
    ['formEncoded', 'formEncodedTokenResponse'],
  ] as const)("the %s quirk is what grantflow's %s fix repairs", async (quirk, fix) => {
    const response = await signInResponse(kitWith(quirk))
    const fixed = await applyTokenResponseFixes(response, [fixes[fix]], { now: NOW })
    const body = (await fixed.json()) as Record<string, unknown>
    // Form-encoded values stay strings; oauth4webapi reads a numeric expires_in string.
    expect(Number(body.expires_in)).toBe(3600)
    expect(body.scope).toBe('read:vat write:vat')
    expect(String(body.token_type ?? 'Bearer')).toMatch(/^bearer$/i)
  })

  it("the errorWithStatus200 quirk is what grantflow's errorWithStatus200 fix repairs", async () => {
    kitWith('errorWithStatus200')
    const fixed = await applyTokenResponseFixes(await failingRefresh(), [fixes.errorWithStatus200], { now: NOW })
    expect(fixed.status).toBe(400)
  })
})
