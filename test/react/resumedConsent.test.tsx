// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { waitFor } from 'xstate'
import { afterEach, describe, expect, it } from 'vitest'
import { createBrowserStore, createPopupNavigator, deliverCallbackToOpener } from '../../src/index.js'
import { AuthorizationWizard, describeError, GrantflowProvider, useCall, useResumedConsent } from '../../src/react/index.js'
import { fakeWindow, until } from '../support/fakeBrowser.js'
import { useMsw, vat, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

// The React side of issue 21, item 4: on the page reloaded while its consent popup was at the
// provider, the form's useCall takes up the kept call once the popup's callback arrives, as if
// this page had made it; a callback it must refuse is said through useResumedConsent.

const server = useMsw()
afterEach(cleanup)

function ReturnPage() {
  const submit = useCall(vat, 'submitReturn')
  const resumed = useResumedConsent()
  return (
    <>
      {resumed?.status === 'failed' && <p role="alert">{describeError(resumed.error!, { provider: 'HMRC', api: 'VAT' })}</p>}
      <p>state: {submit.status}</p>
      {submit.result && <p>Receipt {submit.result.formBundleNumber}</p>}
      <AuthorizationWizard wizard={submit.wizard} appName="Ledgerline" callLabel="your VAT return" />
    </>
  )
}

/** A page whose consent popup went to the provider, then reloaded; the reloaded page rendered, signed in as `company`. */
async function renderReloadedPage(company: string) {
  const tab = fakeWindow()
  const store = () => createBrowserStore({ pendingStorage: tab.sessionStorage })
  const first = vatWorld({ server, store: store(), grantflow: { navigator: createPopupNavigator({ window: tab.win, pollMs: 60_000 }) } })
  const wizard = await first.grantflow.startWizard({ api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() })
  await until(() => tab.popups[0]?.location.href.startsWith('https://test-www') ?? false)
  const popup = tab.popups[0]!
  first.grantflow.dispose()
  wizard.stop()
  const callbackUrl = await first.kit.authorize(popup.location.href)
  const reloadedTab = fakeWindow(tab.sessionStorage)
  const page = vatWorld({
    server,
    store: store(),
    user: 'none',
    grantflow: { navigator: createPopupNavigator({ window: reloadedTab.win, pollMs: 60_000 }), apiUser: { company: () => company } },
  })
  server.resetHandlers(...first.kit.handlers, ...first.pisteKit.handlers)
  render(
    <StrictMode>
      <GrantflowProvider grantflow={page.grantflow}>
        <ReturnPage />
      </GrantflowProvider>
    </StrictMode>,
  )
  await screen.findByText('state: idle')
  deliverCallbackToOpener({
    opener: { postMessage: (message, origin) => reloadedTab.post(message, origin, popup), sessionStorage: tab.sessionStorage },
    location: new URL(callbackUrl),
    close: () => popup.close(),
    sessionStorage: popup.sessionStorage,
  })
  return { first, page }
}

describe('useCall on a page reloaded while its consent popup was out', () => {
  it('takes up the kept call when the popup brings the callback: the receipt shown, the return sent once', async () => {
    const { first, page } = await renderReloadedPage('acme-ltd')
    await screen.findByText(/^Receipt /)
    expect(screen.getByText('state: succeeded')).toBeTruthy()
    // Under StrictMode's double effects the wizard was neither stopped nor made twice.
    expect((await waitFor(page.grantflow.resumedConsent.getSnapshot()!.wizard!, (s) => s.hasTag('ended'))).value).toBe('succeeded')
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(first.routes.submissions.map((s) => s.body)).toEqual([vatReturn()])
  })

  it('says why a callback for another company was not used, and sends nothing', async () => {
    const { first } = await renderReloadedPage('globex')
    expect((await screen.findByRole('alert')).textContent).toBe('The answer from HMRC could not be verified, so it was not used.')
    expect(screen.getByText('state: idle')).toBeTruthy()
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
    expect(first.routes.submissions).toHaveLength(0)
  })
})
