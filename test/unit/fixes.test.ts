import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { applyTokenResponseFixes, fixes, type ComplianceFix } from '../../src/index.js'

const as: oauth.AuthorizationServer = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' }
const client: oauth.Client = { client_id: 'app' }
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

/** Runs the fixes, then oauth4webapi's own validation, as the token layer does. */
async function process(response: Response, list: ComplianceFix[]) {
  const fixed = await applyTokenResponseFixes(response, list, { now: NOW })
  return oauth.processRefreshTokenResponse(as, client, fixed)
}

describe('compliance fixes', () => {
  it('turns a quoted expires_in into a number', async () => {
    const result = await process(json({ access_token: 'a', token_type: 'Bearer', expires_in: '3600' }), [fixes.expiresInAsString])
    expect(result.expires_in).toBe(3600)
  })

  it('drops an empty or non-numeric expires_in, which oauth4webapi would refuse the whole response for', async () => {
    await expect(process(json({ access_token: 'a', token_type: 'Bearer', expires_in: '' }), [])).rejects.toThrow(/expires_in/)
    const result = await process(json({ access_token: 'a', token_type: 'Bearer', expires_in: '' }), [fixes.expiresInAsString])
    expect(result.access_token).toBe('a')
    expect(result.expires_in).toBeUndefined()
  })

  it("turns Odoo's access_token_validity date (UTC, no zone) into seconds from now", async () => {
    const result = await process(json({ access_token: 'a', token_type: 'Bearer', access_token_validity: '2026-01-01 13:00:00' }), [fixes.accessTokenValidity])
    expect(result.expires_in).toBe(3600)
  })

  it('gives a missing token_type the bearer type', async () => {
    const result = await process(json({ access_token: 'a' }), [fixes.missingTokenType])
    expect(result.token_type).toBe('bearer')
  })

  it('accepts a lowercase token_type with no fix at all', async () => {
    const result = await process(json({ access_token: 'a', token_type: 'bearer' }), [])
    expect(result.token_type).toBe('bearer')
  })

  it('joins comma-separated and array scopes with spaces', async () => {
    const commas = await process(json({ access_token: 'a', token_type: 'Bearer', scope: 'read:vat,write:vat' }), [fixes.commaSeparatedScope])
    expect(commas.scope).toBe('read:vat write:vat')
    const array = await process(json({ access_token: 'a', token_type: 'Bearer', scope: ['read:vat', 'write:vat'] }), [fixes.commaSeparatedScope])
    expect(array.scope).toBe('read:vat write:vat')
  })

  it('turns an error sent with HTTP 200 into a real token error', async () => {
    const error = await process(json({ error: 'invalid_grant', error_description: 'expired' }), [fixes.errorWithStatus200]).catch((e) => e)
    expect(error).toBeInstanceOf(oauth.ResponseBodyError)
    expect(error.error).toBe('invalid_grant')
    expect(error.status).toBe(400)
  })

  it('parses a form-encoded token response', async () => {
    const response = new Response('access_token=a&token_type=bearer&scope=repo', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    const result = await process(response, [fixes.formEncodedTokenResponse])
    expect(result).toMatchObject({ access_token: 'a', token_type: 'bearer', scope: 'repo' })
  })

  it('leaves the response untouched (not even read) when the provider needs no fix', async () => {
    const response = json({ access_token: 'a', token_type: 'Bearer' })
    expect(await applyTokenResponseFixes(response, [], { now: NOW })).toBe(response)
  })

  it('keeps an unparseable body as it was, for oauth4webapi to refuse', async () => {
    const fixed = await applyTokenResponseFixes(new Response('<html>oops', { status: 502 }), [fixes.expiresInAsString], { now: NOW })
    expect(fixed.status).toBe(502)
    expect(await fixed.text()).toBe('<html>oops')
  })
})
