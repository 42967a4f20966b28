import { describe, expect, it } from 'vitest'
import { CookieJar } from '../support/interact.js'
import { rawRequest, textOf, useDevServer, VRN } from './devServer.js'

// The bodies the plugin reads itself (a fault, a login form, an API call, a token request read
// while a refresh fault waits) are read up to 64 kB: a larger one is answered 413, never kept.

const KB = 1024
const json = { 'content-type': 'application/json' }
/** A fault padded to about `size` bytes: a valid one, but for its size. */
const fault = (size: number) => JSON.stringify({ fault: 'revoke-grants', pad: 'x'.repeat(size - 40) })
const tooLarge = { status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 64 kB' } }

describe('request bodies the embedded provider reads', () => {
  const server = useDevServer()

  it('refuses a fault over 64 kB with 413, declared or sent in chunks, and takes one under it', async () => {
    const { origin } = server()
    const faults = `${origin}/__embedded/faults`
    await expect(rawRequest(faults, { method: 'POST', headers: json, body: fault(100 * KB) })).resolves.toMatchObject(tooLarge)
    // No Content-Length: refused as the chunks add up.
    const chunks = fault(200 * KB).match(/[\s\S]{1,8192}/g)!
    await expect(rawRequest(faults, { method: 'POST', headers: json, body: chunks })).resolves.toMatchObject(tooLarge)
    await expect(rawRequest(faults, { method: 'POST', headers: json, body: fault(60 * KB) })).resolves.toMatchObject({ status: 204 })
  })

  it('refuses an API call’s body over 64 kB with 413, and goes on answering', async () => {
    const { origin, apiUrl } = server()
    const body = JSON.stringify({ periodKey: '#A1', pad: 'x'.repeat(100 * KB) })
    await expect(rawRequest(`${apiUrl}/organisations/vat/${VRN}/returns`, { method: 'POST', headers: json, body })).resolves.toMatchObject(tooLarge)
    await expect(rawRequest(`${origin}/__embedded/records`)).resolves.toMatchObject({ status: 200 })
  })

  it('refuses a sign-in form over 64 kB with a 413 page', async () => {
    const { origin, issuer } = server()
    const cookies = new CookieJar()
    const authorization = `${issuer}/auth?${new URLSearchParams({
      client_id: 'ledgerline-web',
      response_type: 'code',
      redirect_uri: `${origin}/callback`,
      scope: 'openid',
      state: 'state-1',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`
    const started = await fetch(authorization, { redirect: 'manual' })
    cookies.store(authorization, started.headers.getSetCookie())
    const page = new URL(started.headers.get('location')!, authorization).href
    expect(new URL(page).pathname).toMatch(/^\/oidc\/interaction\/[^/]+$/)

    const form = new URLSearchParams({ login: 'demo', password: 'demo', pad: 'x'.repeat(100 * KB) }).toString()
    const answer = await rawRequest(`${page}/login`, {
      method: 'POST',
      headers: { cookie: cookies.header(page)!, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    })
    expect(answer.status).toBe(413)
    expect(textOf(answer.body as string)).toContain('This form was too large')
  })
})

describe('a token request read while a refresh fault waits', () => {
  const server = useDevServer()

  it('is refused with 413 invalid_request past oidc-provider’s own 56 kB', async () => {
    const { origin, issuer } = server()
    await expect(rawRequest(`${origin}/__embedded/faults`, { method: 'POST', headers: json, body: '{"fault":"fail-next-refresh"}' })).resolves.toMatchObject({
      status: 204,
    })
    const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: 'ledgerline-web', refresh_token: 'x'.repeat(60 * KB) }).toString()
    const answer = await rawRequest(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
    expect(answer).toMatchObject({ status: 413, body: { error: 'invalid_request', error_description: 'The request body is larger than 57344 bytes' } })
  })
})
