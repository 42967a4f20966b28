import { waitFor } from 'xstate'
import { describe, expect, it } from 'vitest'
import { ConsentDeniedError, ConsentRequiredError, createMemoryStore, InvalidCallbackError, type PendingCall } from '../../src/index.js'
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
    const completed = await grantflow.completeAuthorization(callback, { binding: error.binding })
    // The call comes back with the API user it was made for, so its replay is made for that user.
    expect(completed.call).toEqual({
      api: 'vat',
      endpoint: 'submitReturn',
      params: { vrn: VRN },
      body: vatReturn(),
      apiUser: { kind: 'company', id: 'acme-ltd' },
    })
    await grantflow.call(completed.call!)
    expect(routes.submissions).toHaveLength(1)
  })

  it('completes a callback once: the same callback twice gives one token request, and the second is refused without the call', async () => {
    const { grantflow, kit, routes } = vatWorld({ server, user: 'none' })
    const error = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e) => e)
    const callback = await kit.authorize(error.authorizationUrl)
    const [first, second] = await Promise.allSettled([
      grantflow.completeAuthorization(callback, { binding: error.binding }),
      grantflow.completeAuthorization(callback, { binding: error.binding }),
    ])
    expect(first).toMatchObject({ status: 'fulfilled', value: { call: expect.objectContaining({ endpoint: 'submitReturn' }) } })
    expect(second).toMatchObject({ status: 'rejected', reason: { reason: 'code_already_used' } })
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    // The server pattern: the route replays what the completion gave back. A replayed callback
    // URL (a reload, a resubmitted form, an attacker) gives nothing to replay: one return reaches HMRC.
    await grantflow.call((first as PromiseFulfilledResult<{ call: PendingCall }>).value.call)
    await expect(grantflow.completeAuthorization(callback, { binding: error.binding })).rejects.toMatchObject({ reason: 'code_already_used' })
    expect(routes.submissions).toHaveLength(1)

    const other = vatWorld({ server, user: 'none' })
    await expect(other.grantflow.completeAuthorization(callback, { binding: error.binding })).rejects.toMatchObject({ reason: 'no_pending_authorization' })
  })

  it('refuses a callback whose state matches no pending authorization, without touching the session', async () => {
    const { grantflow, kit } = vatWorld({ server, user: 'none' })
    const error = await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)
    const callback = new URL(await kit.authorize(error.authorizationUrl))
    const forged = new URL(callback)
    forged.searchParams.set('state', 'forged')
    await expect(grantflow.completeAuthorization(forged.href, { binding: error.binding })).rejects.toBeInstanceOf(InvalidCallbackError)
    // The real callback still works.
    await expect(grantflow.completeAuthorization(callback.href, { binding: error.binding })).resolves.toMatchObject({ sessionKey: expect.any(String) })
  })
})

describe('a callback is bound to whoever started its authorization (RFC 9700 §4.7.1)', () => {
  /**
   * The attack: someone starts consent as their own company and sends the authorization URL to a
   * victim, who signs in at HMRC and is sent back to the app with a code for the victim's grant.
   */
  async function attackersAuthorization() {
    let company = 'attacker-ltd'
    const world = vatWorld({ server, user: 'none', grantflow: { apiUser: { company: () => company } } })
    const attackers = (await world.grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    const victimsCallback = await world.kit.authorize(attackers.authorizationUrl!)
    const attackersSession = attackers.sessionKey
    company = 'victim-ltd'
    return { ...world, attackers, victimsCallback, attackersSession }
  }

  it('refuses a callback brought without the binding of the browser that started it, and stores nothing', async () => {
    const { grantflow, kit, victimsCallback, attackersSession } = await attackersAuthorization()
    // The victim's browser has no cookie, or one of its own authorizations.
    for (const binding of [undefined, 'another-browsers-binding']) {
      const error = await grantflow.completeAuthorization(victimsCallback, binding === undefined ? undefined : { binding }).catch((e) => e)
      expect(error).toBeInstanceOf(InvalidCallbackError)
      expect(error).toMatchObject({ reason: 'binding_mismatch' })
    }
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
    expect((await grantflow.sessions.get(attackersSession))?.tokens).toBeUndefined()
  })

  it('refuses a callback brought by another API user than the one that started it', async () => {
    const { grantflow, kit, victimsCallback, attackersSession } = await attackersAuthorization()
    const error = await grantflow.completeAuthorization(victimsCallback, { apiUser: { kind: 'company', id: 'victim-ltd' } }).catch((e) => e)
    expect(error).toMatchObject({ reason: 'binding_mismatch' })
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
    expect((await grantflow.sessions.get(attackersSession))?.tokens).toBeUndefined()
  })

  it('accepts the callback from the browser and user that started it', async () => {
    const { grantflow, attackers, victimsCallback } = await attackersAuthorization()
    await expect(
      grantflow.completeAuthorization(victimsCallback, { binding: attackers.binding, apiUser: { kind: 'company', id: 'attacker-ltd' } }),
    ).resolves.toMatchObject({ sessionKey: attackers.sessionKey })
  })

  it('never puts the binding in the error message or its JSON', async () => {
    const { attackers } = await attackersAuthorization()
    expect(attackers.binding).toMatch(/^[\w-]{20,}$/)
    expect(attackers.message).not.toContain(attackers.binding)
    expect(JSON.stringify(attackers)).not.toContain(attackers.binding)
  })
})

describe('a callback refused once', () => {
  it('is not exchanged later past its lifetime, even with the right binding', async () => {
    const { grantflow, kit, clock } = vatWorld({ server, user: 'none' })
    const error = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    const callback = await kit.authorize(error.authorizationUrl!)
    await expect(grantflow.completeAuthorization(callback, { binding: 'a stale cookie' })).rejects.toMatchObject({ reason: 'binding_mismatch' })
    clock.advance(10 * 60_000 + 1)
    await expect(grantflow.completeAuthorization(callback, { binding: error.binding })).rejects.toMatchObject({ reason: 'expired' })
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
  })

  it('is not taken for the authorization that replaced it, which stays usable', async () => {
    const { grantflow, kit } = vatWorld({ server, user: 'none' })
    const first = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    const firstCallback = await kit.authorize(first.authorizationUrl!)
    await expect(grantflow.completeAuthorization(firstCallback, { binding: 'a stale cookie' })).rejects.toMatchObject({ reason: 'binding_mismatch' })
    // A wider consent replaces the first one while its callback is still around.
    const second = (await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e) => e)) as ConsentRequiredError
    expect(second.authorizationUrl).not.toBe(first.authorizationUrl)
    await expect(grantflow.completeAuthorization(firstCallback, { binding: first.binding })).rejects.toMatchObject({ reason: 'no_pending_authorization' })
    const completed = await grantflow.completeAuthorization(await kit.authorize(second.authorizationUrl!), { binding: second.binding })
    expect(completed.call).toMatchObject({ endpoint: 'submitReturn' })
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
  })
})

describe('pending authorizations expire', () => {
  it('refuses a callback after ten minutes, forgets the pending authorization, and the next call asks anew', async () => {
    const { grantflow, kit, clock } = vatWorld({ server, user: 'none' })
    const error = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    const callback = await kit.authorize(error.authorizationUrl!)
    clock.advance(10 * 60_000 + 1)
    await expect(grantflow.completeAuthorization(callback, { binding: error.binding })).rejects.toMatchObject({ reason: 'expired' })
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
    expect((await grantflow.sessions.get(error.sessionKey))?.pending).toBeUndefined()
    const next = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    expect(next).toBeInstanceOf(ConsentRequiredError)
    expect(new URL(next.authorizationUrl!).searchParams.get('state')).not.toBe(new URL(error.authorizationUrl!).searchParams.get('state'))
  })

  it('does not give a call an authorization past its lifetime: it prepares a new one', async () => {
    const { grantflow, clock } = vatWorld({ server, user: 'none' })
    const first = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    const joined = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    expect(joined.authorizationUrl).toBe(first.authorizationUrl)
    clock.advance(10 * 60_000 + 1)
    const later = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    expect(later.authorizationUrl).not.toBe(first.authorizationUrl)
  })

  it('drops an expired pending authorization found in the store when a session loads', async () => {
    const store = createMemoryStore()
    const before = vatWorld({ server, user: 'none', store })
    const error = (await before.grantflow.apis.vat.obligations({ vrn: VRN }).catch((e) => e)) as ConsentRequiredError
    const callback = await before.kit.authorize(error.authorizationUrl!)
    before.grantflow.dispose()
    // A restart after the user walked away.
    const after = vatWorld({ server, user: 'none', store, grantflow: { now: () => before.clock.now() + 11 * 60_000 } })
    await expect(after.grantflow.completeAuthorization(callback, { binding: error.binding })).rejects.toMatchObject({ reason: 'expired' })
    expect((await store.get(error.sessionKey))?.pending).toBeUndefined()
  })
})
