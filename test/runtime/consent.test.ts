import { waitFor } from 'xstate'
import { describe, expect, it } from 'vitest'
import { ConsentDeniedError, ConsentRequiredError, InvalidCallbackError } from '../../src/index.js'
import { useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()

describe('calling an endpoint that needs consent', () => {
  it('walks the user through consent and submits the return they typed exactly once', async () => {
    const { grantflow, routes, kit, visits } = vatWorld({ server })
    const receipt = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    expect(receipt.formBundleNumber).toMatch(/\S/)
    expect(routes.submissions).toHaveLength(1)
    expect(routes.submissions[0]!.body).toEqual(vatReturn())
    expect(routes.duplicates).toHaveLength(0)
    expect(visits).toHaveLength(1)
    expect(new URL(visits[0]!).searchParams.get('scope')).toBe('write:vat')
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
  })

  it('makes the next call with the same session without asking again', async () => {
    const { grantflow, kit } = vatWorld({ server })
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn('25A3'))
    expect(kit.counters.authorizations).toBe(1)
  })

  it('asks for the union of granted and needed scopes when a call needs more (step-up)', async () => {
    const { grantflow, visits, routes } = vatWorld({ server })
    const { obligations } = await grantflow.apis.vat.obligations({ vrn: VRN, status: 'O' })
    expect(obligations.map((o) => o.periodKey)).toEqual(['25A3', '#001'])
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    expect(visits.map((url) => new URL(url).searchParams.get('scope'))).toEqual(['read:vat', 'read:vat write:vat'])
    expect(routes.submissions).toHaveLength(1)
  })

  it('steps up when the API answers 403 insufficient_scope although the token claimed the scope', async () => {
    const { grantflow, kit, visits, routes } = vatWorld({ server })
    // The user grants only read:vat while the app asked for write:vat.
    kit.consent('approve', { grantScopes: ['read:vat'] })
    const failure = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e) => e)
    // The retry after the narrower consent cannot succeed: the wizard says so rather than looping.
    expect(failure).toBeInstanceOf(ConsentRequiredError)
    kit.consent('approve')
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    expect(new URL(visits.at(-1)!).searchParams.get('scope')).toBe('read:vat write:vat')
    expect(routes.submissions).toHaveLength(1)
  })

  it('keeps the call when consent is denied, and the retry submits it once', async () => {
    const { grantflow, kit, routes } = vatWorld({ server })
    kit.consent('deny')
    const wizard = await grantflow.startWizard({ api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() })
    const failed = await waitFor(wizard, (s) => s.matches('failed'))
    expect(failed.context.error).toBeInstanceOf(ConsentDeniedError)
    expect(failed.context.call?.body).toEqual(vatReturn())
    kit.consent('approve')
    wizard.send({ type: 'RETRY' })
    const done = await waitFor(wizard, (s) => s.status === 'done')
    expect(done.value).toBe('succeeded')
    expect(routes.submissions).toHaveLength(1)
  })

  it('lets 100 concurrent calls with no session share one consent, then retries all 100', async () => {
    const { grantflow, kit } = vatWorld({ server })
    const results = await Promise.all(Array.from({ length: 100 }, () => grantflow.apis.vat.obligations({ vrn: VRN, from: '2025-01-01', to: '2025-12-31' })))
    expect(results.every((r) => r.obligations.length > 0)).toBe(true)
    expect(kit.counters.authorizations).toBe(1)
    expect(kit.counters.tokenRequests).toBe(1)
    expect(kit.counters.apiCalls).toBe(100)
  })
})

describe('non-interactive use (servers, background jobs)', () => {
  it('fails with the authorization URL; completeAuthorization saves the token and gives back the call', async () => {
    const { grantflow, kit, routes } = vatWorld({ server, user: 'none' })
    const error = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e) => e)
    expect(error).toBeInstanceOf(ConsentRequiredError)
    expect(error.reason).toBe('no_session')
    expect(error.authorizationUrl).toMatch(/^https:\/\/test-www\.tax\.service\.gov\.uk\/oauth\/authorize\?/)
    expect(routes.submissions).toHaveLength(0)

    // The user follows the URL; the provider redirects to the app's callback route.
    const callback = await kit.authorize(error.authorizationUrl)
    const completed = await grantflow.completeAuthorization(callback)
    expect(completed.call).toEqual({ api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() })
    await grantflow.call(completed.call!)
    expect(routes.submissions).toHaveLength(1)
  })

  it('exchanges a code once: the same callback twice gives one token request, a spent one is refused', async () => {
    const { grantflow, kit } = vatWorld({ server, user: 'none' })
    const error = await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)
    const callback = await kit.authorize(error.authorizationUrl)
    const [a, b] = await Promise.all([grantflow.completeAuthorization(callback), grantflow.completeAuthorization(callback)])
    expect(a).toBe(b)
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)

    const other = vatWorld({ server, user: 'none' })
    await expect(other.grantflow.completeAuthorization(callback)).rejects.toMatchObject({ reason: 'no_pending_authorization' })
  })

  it('refuses a callback whose state matches no pending authorization, without touching the session', async () => {
    const { grantflow, kit } = vatWorld({ server, user: 'none' })
    const error = await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)
    const callback = new URL(await kit.authorize(error.authorizationUrl))
    const forged = new URL(callback)
    forged.searchParams.set('state', 'forged')
    await expect(grantflow.completeAuthorization(forged.href)).rejects.toBeInstanceOf(InvalidCallbackError)
    // The real callback still works.
    await expect(grantflow.completeAuthorization(callback.href)).resolves.toMatchObject({ sessionKey: expect.any(String) })
  })
})
