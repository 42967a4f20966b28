// @vitest-environment happy-dom
import { act, cleanup, render, screen, waitFor as waitForDom } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { StrictMode } from 'react'
import { waitFor } from 'xstate'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createBrowserStore, createRedirectNavigator, SAVED_WIZARD_KEY } from '../../src/index.js'
import { CONSENT_POPUP_KEY } from '../../src/runtime/navigation.js'
import { AuthorizationWizard, GrantflowProvider, useAuthorizationCallback, useCall, useGrantflow, useSession } from '../../src/react/index.js'
import { fakeStorage, fakeWindow } from '../support/fakeBrowser.js'
import { useMsw, vat, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
afterEach(cleanup)

function SubmitReturn() {
  const submit = useCall(vat, 'submitReturn')
  return (
    <>
      <button type="button" onClick={() => void submit.call({ vrn: VRN }, vatReturn())}>
        Submit return
      </button>
      <p>state: {submit.status}</p>
      {submit.result && <p>Receipt {submit.result.formBundleNumber}</p>}
      <AuthorizationWizard wizard={submit.wizard} appName="Ledgerline" callLabel="your VAT return" />
    </>
  )
}

function SessionStatus() {
  const session = useSession(vat, 'submitReturn')
  return (
    <section aria-label="session">
      <p>{session.connected ? `Connected: ${session.scopes.join(' ')}` : 'Not connected'}</p>
      <button type="button" onClick={() => void session.disconnect()}>
        Disconnect
      </button>
    </section>
  )
}

describe('useCall', () => {
  it('submits the return after the user consents, once, and shows the receipt', async () => {
    const world = vatWorld({ server })
    render(
      <GrantflowProvider grantflow={world.grantflow}>
        <SubmitReturn />
      </GrantflowProvider>,
    )
    await userEvent.click(screen.getByRole('button', { name: 'Submit return' }))
    const continueButton = await screen.findByRole('button', { name: 'Continue to HM Revenue & Customs' })
    expect(world.routes.submissions).toHaveLength(0)
    await userEvent.click(continueButton)
    await screen.findByText(/^Receipt \d+/)
    expect(screen.getByRole('status').textContent).toBe('')
    expect(screen.getByText('state: succeeded')).toBeTruthy()
    expect(world.routes.submissions).toHaveLength(1)
    expect(world.routes.submissions[0]!.body).toEqual(vatReturn())
  })

  it('stops the wizard when the component unmounts', async () => {
    const world = vatWorld({ server, user: 'none', grantflow: { navigator: { mode: 'custom', open: () => undefined } } })
    let wizard: ReturnType<typeof useCall>['wizard']
    function Probe() {
      const submit = useCall('vat', 'submitReturn')
      wizard = submit.wizard
      return (
        <button type="button" onClick={() => void submit.call({ vrn: VRN }, vatReturn())}>
          go
        </button>
      )
    }
    const view = render(
      <GrantflowProvider grantflow={world.grantflow}>
        <Probe />
      </GrantflowProvider>,
    )
    await userEvent.click(screen.getByRole('button', { name: 'go' }))
    await waitForDom(() => expect(wizard?.getSnapshot().matches('unauthorized')).toBe(true))
    view.unmount()
    expect(wizard!.getSnapshot().status).toBe('stopped')
  })
})

describe('useSession', () => {
  it('follows the session without polling: connected after consent, not after disconnect', async () => {
    const world = vatWorld({ server })
    render(
      <GrantflowProvider grantflow={world.grantflow}>
        <SessionStatus />
      </GrantflowProvider>,
    )
    expect(await screen.findByText('Not connected')).toBeTruthy()
    await act(async () => {
      await world.grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    })
    expect(await screen.findByText('Connected: write:vat')).toBeTruthy()
    await userEvent.click(screen.getByRole('button', { name: 'Disconnect' }))
    expect(await screen.findByText('Not connected')).toBeTruthy()
  })

  it('says why when there is no session to follow', () => {
    const world = vatWorld({ server, grantflow: { apiUser: { company: () => undefined } } })
    function Missing() {
      const session = useSession(vat, 'submitReturn')
      return <p>{session.error?.code}</p>
    }
    render(
      <GrantflowProvider grantflow={world.grantflow}>
        <Missing />
      </GrantflowProvider>,
    )
    expect(screen.getByText('configuration_error')).toBeTruthy()
  })
})

describe('useAuthorizationCallback', () => {
  function CallbackRoute(props: Parameters<typeof useAuthorizationCallback>[0]) {
    const { status, wizard, completion } = useAuthorizationCallback(props)
    return (
      <>
        <p>{status}</p>
        {completion && <p>back to {completion.returnTo ?? '/'}</p>}
        <AuthorizationWizard wizard={wizard} />
      </>
    )
  }

  /** A consent by redirect, up to the provider sending the user back: the callback URL and the tab. */
  async function redirectedBack() {
    const tab = fakeWindow()
    const store = createBrowserStore({ pendingStorage: tab.sessionStorage })
    const first = vatWorld({ server, store, grantflow: { navigator: createRedirectNavigator(tab.win), returnTo: () => '/returns' } })
    const wizard = await first.grantflow.startWizard({ api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() })
    await waitFor(wizard, (s) => s.matches({ awaitingConsent: 'atProvider' }))
    await waitForDom(() => expect(tab.assigned).toHaveLength(1))
    wizard.stop()
    const callbackUrl = await first.kit.authorize(tab.assigned[0]!)

    // The page the provider sent the user back to: a new runtime, set up as the app always is.
    first.grantflow.dispose()
    const page2 = vatWorld({ server, store, user: 'none', grantflow: { navigator: createRedirectNavigator(tab.win), returnTo: () => '/returns' } })
    server.resetHandlers(...first.kit.handlers)
    return { first, page2, tab, callbackUrl }
  }

  it('restores the saved wizard after a redirect and submits the return once, under StrictMode', async () => {
    const { first, page2, tab, callbackUrl } = await redirectedBack()
    render(
      <StrictMode>
        <GrantflowProvider grantflow={page2.grantflow}>
          <CallbackRoute
            url={callbackUrl}
            storage={tab.sessionStorage}
            window={{ opener: null, location: new URL(callbackUrl), close: vi.fn(), sessionStorage: tab.sessionStorage }}
          />
        </GrantflowProvider>
      </StrictMode>,
    )
    expect(await screen.findByText('back to /returns')).toBeTruthy()
    await waitForDom(() => expect(first.routes.submissions).toHaveLength(1))
    expect(screen.getByText('resumed')).toBeTruthy()
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(tab.sessionStorage.getItem(SAVED_WIZARD_KEY)).toBeNull()
    // The restored wizard does not send the user back to the provider.
    expect(tab.assigned).toHaveLength(1)
  })

  it('after a redirect in a tab another page opened, finishes the consent itself and posts nothing to that page', async () => {
    const { first, page2, tab, callbackUrl } = await redirectedBack()
    // The app was opened by a link or another site's window.open: it has an opener, which never
    // opened it as grantflow's consent popup.
    const opener = { postMessage: vi.fn() }
    const close = vi.fn()
    render(
      <GrantflowProvider grantflow={page2.grantflow}>
        <CallbackRoute
          url={callbackUrl}
          storage={tab.sessionStorage}
          window={{ opener, location: new URL(callbackUrl), close, sessionStorage: tab.sessionStorage }}
        />
      </GrantflowProvider>,
    )
    expect(await screen.findByText('back to /returns')).toBeTruthy()
    await waitForDom(() => expect(first.routes.submissions).toHaveLength(1))
    expect(screen.getByText('resumed')).toBeTruthy()
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(opener.postMessage).not.toHaveBeenCalled()
    expect(close).not.toHaveBeenCalled()
  })

  it('in a popup, hands the callback to the opener and does nothing else', async () => {
    const world = vatWorld({ server })
    const opener = { postMessage: vi.fn() }
    const close = vi.fn()
    const url = 'http://127.0.0.1/callback?code=c&state=s'
    const exchange = vi.spyOn(world.grantflow, 'completeAuthorization')
    // The popup navigator marked this window as its consent popup before sending it to the provider.
    const popupStorage = fakeStorage()
    popupStorage.setItem(CONSENT_POPUP_KEY, '1')
    render(
      <StrictMode>
        <GrantflowProvider grantflow={world.grantflow}>
          <CallbackRoute url={url} window={{ opener, location: new URL(url), close, sessionStorage: popupStorage }} />
        </GrantflowProvider>
      </StrictMode>,
    )
    expect(await screen.findByText('delivered')).toBeTruthy()
    expect(opener.postMessage).toHaveBeenCalledTimes(1)
    expect(opener.postMessage).toHaveBeenCalledWith({ type: 'grantflow:callback', url }, 'http://127.0.0.1')
    // A moment later, so the opener gets the message before it sees the popup closed.
    expect(close).not.toHaveBeenCalled()
    await waitForDom(() => expect(close).toHaveBeenCalledTimes(1))
    expect(exchange).not.toHaveBeenCalled()
  })

  it('fails in words when the callback matches no pending authorization', async () => {
    const world = vatWorld({ server })
    const url = 'http://127.0.0.1/callback?code=c&state=unknown'
    render(
      <GrantflowProvider grantflow={world.grantflow}>
        <CallbackRoute url={url} storage={fakeStorage()} window={{ opener: null, location: new URL(url), close: vi.fn(), sessionStorage: fakeStorage() }} />
      </GrantflowProvider>,
    )
    expect(await screen.findByText('failed')).toBeTruthy()
  })
})

describe('useGrantflow', () => {
  it('says what is missing outside a provider', () => {
    function Orphan() {
      useGrantflow()
      return null
    }
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    expect(() => render(<Orphan />)).toThrow('<GrantflowProvider grantflow={...}>')
  })
})
