import { createActor, fromCallback, fromPromise, waitFor, type EventObject } from 'xstate'
import { describe, expect, it } from 'vitest'
import { callWizardMachine, type AttemptOutcome, type ConsentNeed, type ConsentOpening } from '../../machines/index.js'
import { ApiError, ConsentDeniedError, ConsentRequiredError } from '../../src/index.js'

const call = { api: 'vat', endpoint: 'submitReturn', params: { vrn: '123456789' }, body: { periodKey: '18A1', netVatDue: 100 } }
const need: ConsentNeed = {
  provider: { id: 'hmrc', name: 'HM Revenue & Customs' },
  api: { id: 'vat', name: 'VAT' },
  scopes: ['write:vat'],
  reason: 'no_session',
  sessionKey: 'vat/sandbox/user%3Ame',
}
const consentNeeded: AttemptOutcome = { kind: 'consentNeeded', need, error: new ConsentRequiredError(need) }

/** A wizard whose steps answer from scripted lists, recording what each step was given. */
function scripted(script: { attempts: Array<AttemptOutcome | Error>; consent?: 'ok' | Error; watch?: EventObject }) {
  const seen = { attempts: [] as unknown[], consents: 0 }
  const machine = callWizardMachine.provide({
    actors: {
      attemptCall: fromPromise(async ({ input }) => {
        seen.attempts.push(structuredClone(input.call))
        const next = script.attempts.shift()
        if (!next) throw new Error('unexpected attempt')
        if (next instanceof Error) throw next
        return next
      }),
      renewToken: fromPromise(async () => ({ kind: 'succeeded', value: undefined }) as AttemptOutcome),
      beginConsent: fromPromise(async (): Promise<ConsentOpening> => {
        seen.consents++
        return { authorizationUrl: 'https://provider.example/authorize?state=s', opensProvider: true }
      }),
      completeConsent: fromPromise(async () => {
        if (script.consent instanceof Error) throw script.consent
      }),
      watchSession: fromCallback(({ sendBack }) => {
        if (script.watch) sendBack(script.watch)
      }),
    },
  })
  return { machine, seen }
}

describe('call wizard (scripted steps)', () => {
  it('succeeds straight away with a valid token', async () => {
    const { machine } = scripted({ attempts: [{ kind: 'succeeded', value: { formBundleNumber: '1' } }] })
    const actor = createActor(machine, { input: {} }).start()
    actor.send({ type: 'CALL', call })
    const done = await waitFor(actor, (s) => s.status === 'done')
    expect(done.value).toBe('succeeded')
    expect(done.output).toEqual({ value: { formBundleNumber: '1' } })
  })

  it('in guided mode waits in unauthorized, saying which provider wants which scopes, until accepted', async () => {
    const { machine, seen } = scripted({ attempts: [consentNeeded, { kind: 'succeeded', value: 'ok' }] })
    const actor = createActor(machine, { input: { interaction: 'guided', call } }).start()
    const unauthorized = await waitFor(actor, (s) => s.matches('unauthorized'))
    expect(unauthorized.context.consent).toMatchObject({ provider: { name: 'HM Revenue & Customs' }, scopes: ['write:vat'] })
    expect(seen.consents).toBe(0)
    actor.send({ type: 'CONSENT_ACCEPTED' })
    const atProvider = await waitFor(actor, (s) => s.matches({ awaitingConsent: 'atProvider' }))
    expect(atProvider.context.authorizationUrl).toBe('https://provider.example/authorize?state=s')
    actor.send({ type: 'CALLBACK_RECEIVED', callbackUrl: 'https://app.example/callback?code=c&state=s' })
    await waitFor(actor, (s) => s.status === 'done')
    // The retry sends exactly what the user had typed.
    expect(seen.attempts).toEqual([call, call])
  })

  it('keeps the call through a denied consent, and RETRY makes it again', async () => {
    const { machine, seen } = scripted({ attempts: [consentNeeded, { kind: 'succeeded', value: 'ok' }], consent: new ConsentDeniedError() })
    const actor = createActor(machine, { input: { call } }).start()
    await waitFor(actor, (s) => s.matches({ awaitingConsent: 'atProvider' }))
    actor.send({ type: 'CALLBACK_RECEIVED', callbackUrl: 'https://app.example/callback?error=access_denied&state=s' })
    const failed = await waitFor(actor, (s) => s.matches('failed'))
    expect(failed.context.error).toBeInstanceOf(ConsentDeniedError)
    expect(failed.context.call).toEqual(call)
    actor.send({ type: 'RETRY' })
    await waitFor(actor, (s) => s.status === 'done')
    expect(seen.attempts).toEqual([call, call])
  })

  it('without interaction, fails with ConsentRequiredError carrying the authorization URL', async () => {
    const { machine } = scripted({ attempts: [consentNeeded] })
    const actor = createActor(machine, { input: { interaction: 'none', call } }).start()
    const failed = await waitFor(actor, (s) => s.matches('consentRequired'))
    expect(failed.context.error).toBeInstanceOf(ConsentRequiredError)
    expect((failed.context.error as ConsentRequiredError).authorizationUrl).toBe('https://provider.example/authorize?state=s')
  })

  it('refreshes once, then asks for consent if the new token is refused too', async () => {
    const { machine } = scripted({
      attempts: [
        { ...consentNeeded, kind: 'renewalNeeded' },
        { ...consentNeeded, kind: 'renewalNeeded' },
      ],
    })
    const actor = createActor(machine, { input: { interaction: 'guided', call } }).start()
    const unauthorized = await waitFor(actor, (s) => s.matches('unauthorized'))
    expect(unauthorized.context.renewed).toBe(true)
  })

  it('fails with the API error, keeping the call, and can be dismissed', async () => {
    const { machine } = scripted({ attempts: [new ApiError({ status: 500, body: 'oops' })] })
    const actor = createActor(machine, { input: { call } }).start()
    const failed = await waitFor(actor, (s) => s.matches('failed'))
    expect(failed.context.error).toBeInstanceOf(ApiError)
    actor.send({ type: 'CANCEL' })
    expect(actor.getSnapshot().value).toBe('cancelled')
  })

  it('goes on when consent completed elsewhere (another wizard, the popup, the callback route)', async () => {
    const { machine } = scripted({ attempts: [consentNeeded, { kind: 'succeeded', value: 'ok' }], watch: { type: 'SESSION_AUTHORIZED' } })
    const actor = createActor(machine, { input: { call } }).start()
    const done = await waitFor(actor, (s) => s.status === 'done')
    expect(done.value).toBe('succeeded')
  })
})
