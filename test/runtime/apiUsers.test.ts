import { describe, expect, it } from 'vitest'
import { waitFor } from 'xstate'
import { ConfigurationError, ConsentRequiredError, createGrantflow, defineClient } from '../../src/index.js'
import { REDIRECT_URI, useMsw, vat, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

describe('sessions per API user', () => {
  it("keeps each company's session apart: switching company asks that company's consent, switching back does not", async () => {
    let company = 'acme-ltd'
    const { grantflow, kit } = vatWorld({ server, grantflow: { apiUser: { company: () => company } } })
    await grantflow.apis.vat.obligations(query)
    company = 'globex-plc'
    await grantflow.apis.vat.obligations(query)
    company = 'acme-ltd'
    await grantflow.apis.vat.obligations(query)
    expect(kit.counters.authorizations).toBe(2)

    const acme = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    const globex = await grantflow.sessions.list({ kind: 'company', id: 'globex-plc' })
    expect(acme).toHaveLength(1)
    expect(globex).toHaveLength(1)
    expect(acme[0]!.tokens!.accessToken).not.toBe(globex[0]!.tokens!.accessToken)
  })

  it('a wizard consents and replays for the company it was started for, whoever is current when the user accepts', async () => {
    let company = 'acme-ltd'
    const { grantflow, kit } = vatWorld({ server, grantflow: { interaction: 'guided', apiUser: { company: () => company } } })
    const wizard = await grantflow.startWizard({ api: 'vat', endpoint: 'obligations', params: query })
    await waitFor(wizard, (s) => s.matches('unauthorized'))
    company = 'globex-plc'
    wizard.send({ type: 'CONSENT_ACCEPTED' })
    const done = await waitFor(wizard, (s) => s.matches('succeeded'))
    expect(done.context.call?.apiUser).toEqual({ kind: 'company', id: 'acme-ltd' })
    expect((await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' }))[0]?.tokens).toBeDefined()
    expect(await grantflow.sessions.list({ kind: 'company', id: 'globex-plc' })).toEqual([])
    expect(kit.counters.authorizations).toBe(1)
    wizard.stop()
  })

  it('lists sessions whose tokens read by name but never serialise (a session sent to a browser by mistake carries none)', async () => {
    const { grantflow } = vatWorld({ server })
    await grantflow.apis.vat.obligations(query)
    const [listed] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    const got = await grantflow.sessions.get(listed!.key)
    const scoped = await grantflow.withContext(undefined).sessions.list('company')
    for (const session of [listed!, got!, scoped[0]!]) {
      expect(session.tokens!.accessToken).toMatch(/\S/)
      const serialised = JSON.stringify(session) + JSON.stringify({ ...session.tokens })
      expect(serialised).not.toContain(session.tokens!.accessToken)
      expect(serialised).not.toContain(session.tokens!.refreshToken)
      expect(JSON.parse(JSON.stringify(session)).tokens).toMatchObject({ scopes: ['read:vat'], tokenType: expect.any(String) })
    }
  })

  it('disconnecting one company leaves the other connected', async () => {
    let company = 'acme-ltd'
    const { grantflow, kit } = vatWorld({ server, grantflow: { apiUser: { company: () => company } } })
    await grantflow.apis.vat.obligations(query)
    company = 'globex-plc'
    await grantflow.apis.vat.obligations(query)
    const [acme] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    await grantflow.sessions.disconnect(acme!.key)
    await grantflow.apis.vat.obligations(query)
    expect(kit.counters.authorizations).toBe(2)
    company = 'acme-ltd'
    await grantflow.apis.vat.obligations(query)
    expect(kit.counters.authorizations).toBe(3)
  })

  it('refuses a call when the app says there is no current company', async () => {
    const { grantflow } = vatWorld({ server, grantflow: { apiUser: { company: () => undefined } } })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toMatchObject({ code: 'configuration_error' })
  })
})

/** A request as a server's handler sees it: who is signed in, for which company. */
interface AppRequest {
  companyId: string
}

/** The consent a server's call fails with. */
async function consentOf(call: Promise<unknown>): Promise<ConsentRequiredError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConsentRequiredError)
  return error as ConsentRequiredError
}

/** A server's runtime: no navigator (consent is the route's to send), who a call is for comes from the request. */
function serverWorld() {
  const { kit, routes } = vatWorld({ server, user: 'none' })
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
    environment: 'sandbox',
    apiUser: { company: (request: AppRequest) => request.companyId },
  })
  return { kit, routes, grantflow }
}

describe('API users from the request (a server)', () => {
  it("lands two companies' interleaved calls on their own sessions and tokens", async () => {
    const { kit, routes, grantflow } = serverWorld()
    const acme = grantflow.withContext({ companyId: 'acme-ltd' })
    const globex = grantflow.withContext({ companyId: 'globex-plc' })
    const [acmeConsent, globexConsent] = await Promise.all([
      consentOf(acme.apis.vat.submitReturn({ vrn: VRN }, vatReturn('#001'))),
      consentOf(globex.apis.vat.submitReturn({ vrn: VRN }, vatReturn('#002'))),
    ])
    expect(acmeConsent.sessionKey).not.toBe(globexConsent.sessionKey)

    // Globex's user comes back first; each route replays what its completion gave back.
    const globexDone = await grantflow.completeAuthorization(await kit.authorize(globexConsent.authorizationUrl!), { binding: globexConsent.binding })
    const acmeDone = await grantflow.completeAuthorization(await kit.authorize(acmeConsent.authorizationUrl!), { binding: acmeConsent.binding })
    expect(acmeDone.call?.apiUser).toEqual({ kind: 'company', id: 'acme-ltd' })
    expect(globexDone.call?.apiUser).toEqual({ kind: 'company', id: 'globex-plc' })
    await Promise.all([grantflow.call(globexDone.call!), grantflow.call(acmeDone.call!)])
    await Promise.all([acme.apis.vat.submitReturn({ vrn: VRN }, vatReturn('#003')), globex.apis.vat.submitReturn({ vrn: VRN }, vatReturn('#004'))])

    const [acmeSession] = await acme.sessions.list('company')
    const [globexSession] = await globex.sessions.list('company')
    expect(acmeSession!.key).toBe(acmeConsent.sessionKey)
    expect(globexSession!.key).toBe(globexConsent.sessionKey)
    expect(acmeSession!.tokens!.accessToken).not.toBe(globexSession!.tokens!.accessToken)
    expect(routes.submissions.map((s) => s.periodKey).sort()).toEqual(['#001', '#002', '#003', '#004'])
    expect(kit.counters.authorizations).toBe(2)
  })

  it("does not reach another company's session by its key", async () => {
    const { kit, grantflow } = serverWorld()
    const acme = grantflow.withContext({ companyId: 'acme-ltd' })
    const globex = grantflow.withContext({ companyId: 'globex-plc' })
    const consent = await consentOf(acme.apis.vat.obligations(query))
    await grantflow.completeAuthorization(await kit.authorize(consent.authorizationUrl!), { binding: consent.binding })

    await expect(globex.sessions.get(consent.sessionKey!)).resolves.toBeUndefined()
    await expect(globex.sessions.disconnect(consent.sessionKey!)).resolves.toEqual({ revoked: false })
    await expect(globex.sessions.refresh(consent.sessionKey!)).rejects.toBeInstanceOf(ConfigurationError)
    // Still connected: acme's next call needs no consent.
    await acme.apis.vat.obligations(query)
    expect(kit.counters.authorizations).toBe(1)
    await expect(acme.sessions.get(consent.sessionKey!)).resolves.toMatchObject({ apiUser: { kind: 'company', id: 'acme-ltd' } })
  })

  it('makes the consent and the replay for the user the call was made for, whatever the resolver says meanwhile', async () => {
    let company = 'acme-ltd'
    const { grantflow, kit } = vatWorld({
      server,
      grantflow: {
        apiUser: { company: () => company },
        navigator: {
          mode: 'custom',
          async open(url) {
            // The app switches company while the user is at HMRC.
            company = 'globex-plc'
            await grantflow.completeAuthorization(await kit.authorize(url)).catch(() => undefined)
          },
        },
      },
    })
    await grantflow.apis.vat.obligations(query)
    await expect(grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })).resolves.toMatchObject([{ tokens: expect.anything() }])
    await expect(grantflow.sessions.list({ kind: 'company', id: 'globex-plc' })).resolves.toEqual([])
  })

  it('refuses a call whose resolver throws, or finds no user in the request, with a ConfigurationError', async () => {
    const { grantflow } = serverWorld()
    const failing = createGrantflow({
      apis: { vat },
      clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
      environment: 'sandbox',
      apiUser: {
        company: (request: AppRequest) => {
          throw new Error(`no company header in ${request.companyId}`)
        },
      },
    })
    await expect(failing.withContext({ companyId: 'x' }).apis.vat.obligations(query)).rejects.toBeInstanceOf(ConfigurationError)
    await expect(grantflow.withContext({ companyId: '' }).apis.vat.obligations(query)).rejects.toBeInstanceOf(ConfigurationError)
    await expect(grantflow.withContext({ companyId: '' }).sessions.list('company')).rejects.toBeInstanceOf(ConfigurationError)
  })
})
