// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor as waitForDom } from '@testing-library/react'
import { StrictMode } from 'react'
import { waitFor } from 'xstate'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ConsentDeniedError,
  ConsentRequiredError,
  createBrowserStore,
  createRedirectNavigator,
  InvalidCallbackError,
  SAVED_WIZARD_KEY,
} from '../../src/index.js'
import { CONSENT_POPUP_KEY } from '../../src/runtime/navigation.js'
import { AuthorizationCallback, GrantflowProvider } from '../../src/react/index.js'
import { fakeStorage, fakeWindow } from '../support/fakeBrowser.js'
import { useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
afterEach(cleanup)

/** A consent by redirect, up to the provider sending the user back (approving or denying): the callback URL and the tab. */
async function redirectedBack(answer: 'approve' | 'deny' = 'approve') {
  const tab = fakeWindow()
  const store = createBrowserStore({ pendingStorage: tab.sessionStorage })
  const options = { navigator: createRedirectNavigator(tab.win), returnTo: () => '/returns' }
  const first = vatWorld({ server, store, grantflow: options })
  const wizard = await first.grantflow.startWizard({ api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() })
  await waitFor(wizard, (s) => s.matches({ awaitingConsent: 'atProvider' }))
  await waitForDom(() => expect(tab.assigned).toHaveLength(1))
  wizard.stop()
  first.kit.consent(answer)
  const callbackUrl = await first.kit.authorize(tab.assigned[0]!)
  first.grantflow.dispose()
  // The page the provider sent the user back to: a new runtime, set up as the app always is.
  const page2 = vatWorld({ server, store, user: 'none', grantflow: options })
  server.resetHandlers(...first.kit.handlers)
  return { first, page2, tab, callbackUrl }
}

function windowAt(url: string, sessionStorage = fakeStorage()) {
  return { opener: null, location: new URL(url), close: vi.fn(), sessionStorage }
}

describe('<AuthorizationCallback>', () => {
  it('after a redirect, submits the saved call once and then offers the way back to where the user was', async () => {
    const { first, page2, tab, callbackUrl } = await redirectedBack()
    render(
      <StrictMode>
        <GrantflowProvider grantflow={page2.grantflow}>
          <AuthorizationCallback url={callbackUrl} storage={tab.sessionStorage} window={windowAt(callbackUrl, tab.sessionStorage)} appName="Ledgerline" />
        </GrantflowProvider>
      </StrictMode>,
    )
    const back = await screen.findByRole('link', { name: 'Continue' })
    expect(back.getAttribute('href')).toBe('/returns')
    expect(screen.getByText('Connected to HM Revenue & Customs.')).toBeTruthy()
    expect(first.routes.submissions).toHaveLength(1)
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
  })

  it('says in words that access was not granted, with a way back to where the user started', async () => {
    const { first, page2, tab, callbackUrl } = await redirectedBack('deny')
    // No saved wizard here (the consent started in another tab): the page finishes the callback itself.
    tab.sessionStorage.removeItem(SAVED_WIZARD_KEY)
    render(
      <GrantflowProvider grantflow={page2.grantflow}>
        <AuthorizationCallback url={callbackUrl} storage={tab.sessionStorage} window={windowAt(callbackUrl)} providerName="HMRC" />
      </GrantflowProvider>,
    )
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Access was not granted at HMRC, so nothing was sent.')
    expect(screen.getByRole('link', { name: 'Go back and try again' }).getAttribute('href')).toBe('/returns')
    expect(first.routes.submissions).toHaveLength(0)
    expect(first.kit.counters.tokenRequests).toBe(0)
  })

  it('refuses a callback that matches no authorization, in words, with the way back home', async () => {
    const world = vatWorld({ server })
    const url = 'http://127.0.0.1/callback?code=c&state=unknown'
    render(
      <GrantflowProvider grantflow={world.grantflow}>
        <AuthorizationCallback url={url} storage={fakeStorage()} window={windowAt(url)} home="/start" />
      </GrantflowProvider>,
    )
    expect((await screen.findByRole('alert')).textContent).toContain('could not be verified, so it was not used.')
    expect(screen.getByRole('link', { name: 'Go back and try again' }).getAttribute('href')).toBe('/start')
    expect(world.kit.counters.tokenRequests).toBe(0)
  })

  it('in the consent popup, hands the callback over and tells the user the window can close', async () => {
    const world = vatWorld({ server })
    const url = 'http://127.0.0.1/callback?code=c&state=s'
    const opener = { postMessage: vi.fn() }
    const popupStorage = fakeStorage()
    popupStorage.setItem(CONSENT_POPUP_KEY, '1')
    render(
      <GrantflowProvider grantflow={world.grantflow}>
        <AuthorizationCallback url={url} window={{ opener, location: new URL(url), close: vi.fn(), sessionStorage: popupStorage }} providerName="HMRC" />
      </GrantflowProvider>,
    )
    expect((await screen.findByRole('status')).textContent).toBe('Connected to HMRC. You can close this window.')
    expect(opener.postMessage).toHaveBeenCalledTimes(1)
  })
})

describe("a callback's refusal says whose authorization it was and where its user was going", () => {
  async function consentRequired() {
    const world = vatWorld({ server, user: 'none', grantflow: { returnTo: () => '/returns/new' } })
    const required = (await world.grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e) => e)) as ConsentRequiredError
    expect(required).toBeInstanceOf(ConsentRequiredError)
    return { ...world, required }
  }

  it('ConsentDeniedError carries the session key and returnTo', async () => {
    const { grantflow, kit, required } = await consentRequired()
    kit.consent('deny')
    const callback = await kit.authorize(required.authorizationUrl!)
    const denied = await grantflow.completeAuthorization(callback, { binding: required.binding }).catch((e) => e)
    expect(denied).toBeInstanceOf(ConsentDeniedError)
    expect(denied).toMatchObject({ sessionKey: required.sessionKey, returnTo: '/returns/new' })
  })

  it('an expired authorization refused as InvalidCallbackError carries them too', async () => {
    const { grantflow, kit, clock, required } = await consentRequired()
    const callback = await kit.authorize(required.authorizationUrl!)
    clock.advance(11 * 60_000)
    const refused = await grantflow.completeAuthorization(callback, { binding: required.binding }).catch((e) => e)
    expect(refused).toBeInstanceOf(InvalidCallbackError)
    expect(refused).toMatchObject({ reason: 'expired', sessionKey: required.sessionKey, returnTo: '/returns/new' })
  })

  it('a callback brought by someone else learns neither', async () => {
    const { grantflow, kit, required } = await consentRequired()
    const callback = await kit.authorize(required.authorizationUrl!)
    const refused = await grantflow.completeAuthorization(callback, { binding: 'another-browser' }).catch((e) => e)
    expect(refused).toMatchObject({ reason: 'binding_mismatch' })
    expect(refused.sessionKey).toBeUndefined()
    expect(refused.returnTo).toBeUndefined()
  })
})
