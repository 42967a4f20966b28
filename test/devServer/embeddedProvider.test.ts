import { describe, expect, it } from 'vitest'
import { ApiError, ConsentDeniedError, ConsentRequiredError, createGrantflow, defineClient } from '../../src/index.js'
import { COMPANY, ledgerline, nineBoxes, readForms, textOf, useDevServer, vatApi, VRN } from './devServer.js'

/** Known here only to prove it never reaches the browser; the dev server makes one up per start. */
const APPLICATION_SECRET = 'ledgerline-server-test-secret-0123456789'
const server = useDevServer({ applicationClient: { clientSecret: APPLICATION_SECRET } })

describe('the embedded provider in the Vite dev server', () => {
  it('publishes its discovery document at the issuer mounted under /oidc of the dev server', async () => {
    const { origin, issuer } = server()
    const response = await fetch(`${issuer}/.well-known/openid-configuration`)
    const metadata = (await response.json()) as Record<string, unknown>

    expect(response.status).toBe(200)
    expect(metadata).toMatchObject({
      issuer: `${origin}/oidc`,
      authorization_endpoint: `${origin}/oidc/auth`,
      token_endpoint: `${origin}/oidc/token`,
      revocation_endpoint: `${origin}/oidc/token/revocation`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      response_types_supported: ['code'],
    })
    expect(metadata.grant_types_supported).not.toContain('implicit')
    const jwks = (await (await fetch(metadata.jwks_uri as string)).json()) as { keys: Array<Record<string, unknown>> }
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig' })])
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })

  it('shows the demo login on its sign-in page, and keeps the user there after a wrong password', async () => {
    const dev = server()
    const app = createGrantflow({
      apis: { vat: vatApi(dev) },
      clients: { local: defineClient({ clientId: 'ledgerline-web', redirectUri: `${dev.origin}/callback` }) },
      environment: 'local',
      apiUser: { company: () => COMPANY.id },
    })
    const error = await app.apis.vat.obligations({ vrn: VRN, from: '2025-01-01', to: '2025-12-31' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConsentRequiredError)

    const authorize = await fetch((error as ConsentRequiredError).authorizationUrl!, { redirect: 'manual' })
    const loginUrl = new URL(authorize.headers.get('location')!, dev.origin).href
    const cookie = authorize.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ')
    const page = await fetch(loginUrl, { headers: { cookie } })
    const html = await page.text()

    expect(loginUrl).toMatch(new RegExp(`^${dev.origin}/oidc/interaction/[\\w-]+$`))
    expect(page.status).toBe(200)
    expect(textOf(html)).toContain('Ledgerline wants to connect to your VAT account.')
    expect(textOf(html)).toContain('Demo account User ID demo · Password demo')
    const [login] = readForms(html, loginUrl)
    expect(login).toMatchObject({ inputs: ['login', 'password'], button: 'Sign in' })

    const wrong = await fetch(login!.action, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'demo', password: 'not-the-password' }).toString(),
      redirect: 'manual',
    })
    const again = await wrong.text()
    expect(wrong.status).toBe(200)
    expect(textOf(again)).toContain('The user ID or password is not right.')
    expect(readForms(again, loginUrl)[0]).toMatchObject({ inputs: ['login', 'password'] })
  })

  it("completes consent on its own pages, then the VAT API answers with the provider's tokens: obligations, a return filed once, viewed", async () => {
    const { grantflow, browser } = ledgerline(server())

    const { obligations } = await grantflow.apis.vat.obligations({ vrn: VRN, from: '2025-01-01', to: '2025-12-31' })
    expect(obligations.filter((o) => o.status === 'O').map((o) => o.periodKey)).toEqual(['25A3', '#001'])

    const receipt = await grantflow.apis.vat.submitReturn({ vrn: VRN }, nineBoxes('25A3'))
    expect(receipt).toMatchObject({
      formBundleNumber: expect.stringMatching(/^\d{12}$/),
      chargeRefNumber: expect.stringMatching(/^XM00\d{10}$/),
      paymentIndicator: 'DD',
    })

    const duplicate = await grantflow.apis.vat.submitReturn({ vrn: VRN }, nineBoxes('25A3')).catch((e: unknown) => e)
    expect(duplicate).toBeInstanceOf(ApiError)
    expect(duplicate).toMatchObject({ status: 403, body: { code: 'DUPLICATE_SUBMISSION' } })

    await expect(grantflow.apis.vat.viewReturn({ vrn: VRN, periodKey: '25A3' })).resolves.toMatchObject({ periodKey: '25A3', netVatDue: 750 })

    // Signed in once; consent for read:vat, then again for write:vat when the return was filed.
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent', 'consent'])
    expect(textOf(browser.pages[1]!.html)).toContain('Allow Ledgerline access? Signed in as Demo User')
    expect(textOf(browser.pages[1]!.html)).toContain('View your VAT information read:vat')
    expect(textOf(browser.pages[2]!.html)).toContain('Change your VAT information write:vat')
  })

  it('sends the app access_denied when the user cancels on the consent page', async () => {
    const { grantflow, browser } = ledgerline(server(), { answer: 'cancel' })

    const error = await grantflow.apis.vat.viewReturn({ vrn: VRN, periodKey: '#001' }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ConsentDeniedError)
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent'])
  })

  it("answers the application's route with a lookup it made as the application, holding the secret itself", async () => {
    const { origin } = server()

    const found = await fetch(`${origin}/api/app/vat-check/987654321`)
    const missing = await fetch(`${origin}/api/app/vat-check/111222333`)
    const session = await fetch(`${origin}/api/app/session`)
    const bodies = [await found.text(), await missing.text(), await session.text()]

    expect([found.status, missing.status, session.status]).toEqual([200, 404, 200])
    expect(JSON.parse(bodies[0]!)).toMatchObject({ target: { name: 'Bramble & Sons Ltd', vatNumber: '987654321' }, server: { tokenRequests: 1, lookups: 1 } })
    expect(JSON.parse(bodies[1]!)).toEqual({ code: 'NOT_FOUND', message: 'targetVrn does not match a registered company' })
    // Facts about the application's session, never its token: one token for both lookups, the refusal remembered.
    expect(JSON.parse(bodies[2]!)).toEqual({
      connected: true,
      scopes: [],
      expiresAt: expect.any(Number),
      errors: [expect.objectContaining({ step: 'call', code: 'api_error', error: 'NOT_FOUND' })],
      tokenRequests: 1,
      lookups: 2,
    })
    expect(bodies.join()).not.toContain(APPLICATION_SECRET)
    expect(bodies.join()).not.toMatch(/eyJ/)
  })

  it("refuses the lookup to a user's token and the VAT routes to the application's, and a request without a valid token", async () => {
    const { issuer, apiUrl } = server()
    const { grantflow } = ledgerline(server())
    await grantflow.apis.vat.viewReturn({ vrn: VRN, periodKey: '25A3' }).catch(() => undefined)
    const [userSession] = await grantflow.sessions.list(COMPANY)
    const applicationToken = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`ledgerline-server:${APPLICATION_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: apiUrl, scope: 'read:vat' }).toString(),
    }).then(async (response) => ((await response.json()) as { access_token: string }).access_token)
    const call = (path: string, token?: string) =>
      fetch(`${apiUrl}${path}`, { headers: { accept: 'application/vnd.hmrc.1.0+json', ...(token && { authorization: `Bearer ${token}` }) } })
    const lookup = '/organisations/vat/check-vat-number/lookup/987654321'
    const obligations = `/organisations/vat/${VRN}/obligations?from=2025-01-01&to=2025-12-31`

    const answers = [
      await call(lookup, userSession!.tokens!.accessToken),
      await call(obligations, applicationToken),
      await call(lookup),
      await call(obligations, 'not.a.token'),
    ]

    expect(answers.map((a) => [a.status, a.headers.get('www-authenticate')])).toEqual([
      [403, null],
      [403, null],
      [401, 'Bearer realm="vat"'],
      [401, 'Bearer realm="vat", error="invalid_token"'],
    ])
    expect(await answers[0]!.json()).toMatchObject({ code: 'CLIENT_OR_AGENT_NOT_AUTHORISED' })
  })
})
