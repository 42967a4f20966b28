import { describe, expect, it } from 'vitest'
import { ApiError, ProviderUnreachableError, TokenEndpointError } from '../../src/index.js'
import type { EmbeddedFault, EmbeddedRecords } from '../../src/devServer/controlProtocol.js'
import { ledgerline, nineBoxes, useDevServer, VRN, type DevServer } from './devServer.js'

// The control route the demo's fault panel and browser tests use: each fault observed as a client
// observes it (grantflow against the dev server, by HTTP), each record as the server counted it.

const server = useDevServer()

async function records(dev: DevServer): Promise<EmbeddedRecords> {
  return (await (await fetch(`${dev.origin}/__embedded/records`)).json()) as EmbeddedRecords
}

async function inject(dev: DevServer, fault: EmbeddedFault | Record<string, unknown>): Promise<Response> {
  return fetch(`${dev.origin}/__embedded/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) })
}

const YEAR = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

/** A connected app: one consent given, one call made. */
async function connected(dev: DevServer) {
  // The faults here are met by the app as they come: a one-shot 503 would be absorbed by the runtime's retry.
  const app = ledgerline(dev, {}, { retry: false })
  await app.grantflow.apis.vat.obligations(YEAR)
  return app
}

describe('the embedded provider’s control route', () => {
  it('counts what the provider and the API answered, and logs each request without a token', async () => {
    const dev = server()
    const before = await records(dev)
    const { grantflow, browser } = await connected(dev)
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, nineBoxes('#C01'))
    const after = await records(dev)

    // read:vat for the obligations, then write:vat for the return: two trips to the provider.
    expect(after.counters.authorizations - before.counters.authorizations).toBe(2)
    expect(after.counters.consents - before.counters.consents).toBe(2)
    expect(after.counters.codeExchanges - before.counters.codeExchanges).toBe(2)
    expect(after.counters.apiCalls - before.counters.apiCalls).toBeGreaterThanOrEqual(2)
    expect(after.submissions.filter((s) => s.periodKey === '#C01')).toEqual([expect.objectContaining({ periodKey: '#C01', netVatDue: 750 })])
    const lines = after.log.map((line) => line.what)
    expect(lines).toContain('POST /oidc/token (authorization_code)')
    expect(lines).toContain(`POST /api/local/organisations/vat/${VRN}/returns`)
    // No token, code or secret: only methods, paths, grant types, statuses and error codes.
    const session = (await grantflow.sessions.list({ kind: 'company', id: 'acme-trading' }))[0]!
    const text = JSON.stringify(after)
    expect(text).not.toContain(session.tokens!.accessToken)
    expect(text).not.toContain(session.tokens!.refreshToken!)
    const codes = browser.callbacks.map((callback) => new URL(callback).searchParams.get('code')!)
    expect(codes).toHaveLength(2)
    for (const code of codes) expect(text).not.toContain(code)
    expect(text).not.toMatch(/code=|access_token|refresh_token"/)

    const later = await fetch(`${dev.origin}/__embedded/records?since=${after.lastSeq}`).then((r) => r.json() as Promise<EmbeddedRecords>)
    expect(later.log).toEqual([])
    expect(later.lastSeq).toBe(after.lastSeq)
  })

  it('expires every access token issued so far: the API refuses it as invalid_token, grantflow refreshes once and the call goes through', async () => {
    const dev = server()
    const { grantflow } = await connected(dev)
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-trading' })
    const stale = session!.tokens!.accessToken
    const before = await records(dev)

    expect((await inject(dev, { fault: 'expire-access-tokens' })).status).toBe(204)
    const refused = await fetch(`${dev.apiUrl}/organisations/vat/${VRN}/obligations?from=2025-01-01&to=2025-12-31`, {
      headers: { authorization: `Bearer ${stale}`, accept: 'application/vnd.hmrc.1.0+json' },
    })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token", error_description="The access token expired"')

    const { obligations } = await grantflow.apis.vat.obligations(YEAR)
    expect(obligations.length).toBeGreaterThan(0)
    const after = await records(dev)
    expect(after.counters.refreshes - before.counters.refreshes).toBe(1)
    expect(after.counters.authorizations - before.counters.authorizations).toBe(0)
  })

  it('revokes every grant: the refresh token fails, and the next call walks through consent again', async () => {
    const dev = server()
    const { grantflow, browser } = await connected(dev)
    const before = await records(dev)

    await inject(dev, { fault: 'revoke-grants' })
    await inject(dev, { fault: 'expire-access-tokens' })
    await grantflow.apis.vat.obligations(YEAR)

    const after = await records(dev)
    // The refresh was refused (invalid_grant), so the user was asked again: the consent page, not only sign-in.
    expect(after.log.some((line) => line.what === 'POST /oidc/token (refresh_token)' && line.error === 'invalid_grant')).toBe(true)
    expect(after.counters.authorizations - before.counters.authorizations).toBe(1)
    expect(after.counters.consents - before.counters.consents).toBe(1)
    expect(browser.pages.filter((page) => page.kind === 'consent')).toHaveLength(2)
  })

  it('fails the next refresh without spending its refresh token: the retried refresh works', async () => {
    const dev = server()
    const { grantflow } = await connected(dev)
    await inject(dev, { fault: 'expire-access-tokens' })
    await inject(dev, { fault: 'fail-next-refresh' })
    const before = await records(dev)

    const failed = await grantflow.apis.vat.obligations(YEAR).catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(TokenEndpointError)
    expect(failed).toMatchObject({ grant: 'refresh_token', status: 503, error: 'temporarily_unavailable' })
    const { obligations } = await grantflow.apis.vat.obligations(YEAR)
    expect(obligations.length).toBeGreaterThan(0)

    const after = await records(dev)
    expect(after.counters.refreshes - before.counters.refreshes).toBe(1)
    expect(after.counters.authorizations - before.counters.authorizations).toBe(0)
    expect(
      after.log
        .filter((line) => line.what === 'POST /oidc/token (refresh_token)')
        .map((line) => line.status)
        .slice(-2),
    ).toEqual([503, 200])
  })

  it('keeps a refresh fault waiting through a code exchange and the application’s token, for the page’s next refresh', async () => {
    const dev = server()
    await inject(dev, { fault: 'fail-next-refresh' })
    // Its body read while the fault waits, the code exchange still works...
    const { grantflow } = await connected(dev)
    // ...and the server route's client credentials (Basic, no refresh) leave it alone.
    expect((await fetch(`${dev.origin}/api/app/vat-check/987654321`)).status).toBe(200)

    await inject(dev, { fault: 'expire-access-tokens' })
    await expect(grantflow.apis.vat.obligations(YEAR)).rejects.toMatchObject({ grant: 'refresh_token', status: 503 })
    await expect(grantflow.apis.vat.obligations(YEAR)).resolves.toMatchObject({ obligations: expect.any(Array) })
  })

  it('slows the next token response of the grant named, not a code exchange or the application’s token', async () => {
    const dev = server()
    await inject(dev, { fault: 'slow-next-token', grant: 'refresh_token', delayMs: 400 })
    const { grantflow } = await connected(dev)
    expect((await fetch(`${dev.origin}/api/app/vat-check/987654321`)).status).toBe(200)

    await inject(dev, { fault: 'expire-access-tokens' })
    let started = Date.now()
    await grantflow.apis.vat.obligations(YEAR)
    expect(Date.now() - started).toBeGreaterThanOrEqual(390)
    // Used once: the next refresh is answered at once.
    await inject(dev, { fault: 'expire-access-tokens' })
    started = Date.now()
    await grantflow.apis.vat.obligations(YEAR)
    expect(Date.now() - started).toBeLessThan(390)
  })

  it('expires the application’s tokens too: the server route takes a new one, and its calls are not the page’s', async () => {
    const dev = server()
    const lookup = async () => (await (await fetch(`${dev.origin}/api/app/vat-check/987654321`)).json()) as { server: { tokenRequests: number } }
    const first = await lookup()
    const before = await records(dev)

    await inject(dev, { fault: 'expire-access-tokens' })
    const second = await lookup()

    expect(second.server.tokenRequests).toBe(first.server.tokenRequests + 1)
    const after = await records(dev)
    const lines = after.log.filter((line) => line.seq > before.lastSeq).map((line) => [line.what, line.status, line.error])
    expect(lines).toEqual([
      ['GET /api/local/organisations/vat/check-vat-number/lookup/987654321', 401, 'invalid_token'],
      ['POST /oidc/token (client_credentials)', 200, undefined],
      ['GET /api/local/organisations/vat/check-vat-number/lookup/987654321', 200, undefined],
    ])
    expect(after.counters.clientCredentials - before.counters.clientCredentials).toBe(1)
    expect(after.counters.apiCalls - before.counters.apiCalls).toBe(0)
  })

  it('queues the faults injected: twice is the next two calls', async () => {
    const dev = server()
    const { grantflow } = await connected(dev)
    await inject(dev, { fault: 'fail-next-api' })
    await inject(dev, { fault: 'fail-next-api' })

    await expect(grantflow.apis.vat.obligations(YEAR)).rejects.toMatchObject({ status: 503 })
    await expect(grantflow.apis.vat.obligations(YEAR)).rejects.toMatchObject({ status: 503 })
    await expect(grantflow.apis.vat.obligations(YEAR)).resolves.toMatchObject({ obligations: expect.any(Array) })
  })

  it('keeps the last 200 log lines and answers those after `since`', async () => {
    const dev = server()
    for (let i = 0; i < 210; i++) await (await fetch(`${dev.issuer}/jwks`)).body?.cancel()
    const all = await records(dev)

    expect(all.log).toHaveLength(200)
    expect(all.log.at(-1)).toMatchObject({ seq: all.lastSeq, source: 'provider', what: 'GET /oidc/jwks', status: 200 })
    expect(all.log.map((line) => line.seq)).toEqual(Array.from({ length: 200 }, (_, i) => all.lastSeq - 199 + i))
    const newer = (await (await fetch(`${dev.origin}/__embedded/records?since=${all.lastSeq - 3}`)).json()) as EmbeddedRecords
    expect(newer.log.map((line) => line.seq)).toEqual([all.lastSeq - 2, all.lastSeq - 1, all.lastSeq])
  })

  it('fails, slows or drops the next API call once', async () => {
    const dev = server()
    const { grantflow } = await connected(dev)

    await inject(dev, { fault: 'fail-next-api' })
    const failed = await grantflow.apis.vat.obligations(YEAR).catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(ApiError)
    expect(failed).toMatchObject({ status: 503, error: 'SERVER_ERROR' })

    await inject(dev, { fault: 'drop-next-api' })
    await expect(grantflow.apis.vat.obligations(YEAR)).rejects.toBeInstanceOf(ProviderUnreachableError)

    await inject(dev, { fault: 'slow-next-api', delayMs: 300 })
    const started = Date.now()
    await grantflow.apis.vat.obligations(YEAR)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    // Each fault was used once: the next call is answered at once and well.
    await expect(grantflow.apis.vat.obligations(YEAR)).resolves.toMatchObject({ obligations: expect.any(Array) })
  })

  it('refuses the next consent whatever the user answers', async () => {
    const dev = server()
    const before = await records(dev)
    await inject(dev, { fault: 'deny-next-consent' })
    const { grantflow } = ledgerline(dev)
    await expect(grantflow.apis.vat.obligations(YEAR)).rejects.toMatchObject({ error: 'access_denied' })
    const after = await records(dev)
    expect(after.counters.denials - before.counters.denials).toBe(1)
    expect(after.counters.consents - before.counters.consents).toBe(0)
  })

  it('refuses a fault it does not know, a delay out of bounds, or a body that is not JSON', async () => {
    const dev = server()
    for (const body of [{ fault: 'delete-everything' }, { fault: 'slow-next-api', delayMs: 1e9 }, { fault: 'slow-next-token', grant: 'password' }]) {
      const response = await inject(dev, body)
      expect(response.status).toBe(400)
      await expect(response.json()).resolves.toMatchObject({ code: 'INVALID_FAULT' })
    }
    const post = (body: string, type: string) => fetch(`${dev.origin}/__embedded/faults`, { method: 'POST', headers: { 'content-type': type }, body })
    expect((await post('not json', 'application/json')).status).toBe(400)
    // What another site's form could send (no preflight) is refused.
    expect((await post('{"fault":"revoke-grants"}', 'text/plain')).status).toBe(415)
    expect((await fetch(`${dev.origin}/__embedded/nothing`)).status).toBe(404)
  })
})
