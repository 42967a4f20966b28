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
  const app = ledgerline(dev)
  await app.grantflow.apis.vat.obligations(YEAR)
  return app
}

describe('the embedded provider’s control route', () => {
  it('counts what the provider and the API answered, and logs each request without a token', async () => {
    const dev = server()
    const before = await records(dev)
    const { grantflow } = await connected(dev)
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
    expect(after.log.filter((line) => line.what === 'POST /oidc/token (refresh_token)').map((line) => line.status).slice(-2)).toEqual([503, 200])
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
