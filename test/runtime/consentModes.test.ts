import { waitFor } from 'xstate'
import { describe, expect, it } from 'vitest'
import { CancelledError, createBrowserStore, createPopupNavigator, createRedirectNavigator, SAVED_WIZARD_KEY } from '../../src/index.js'
import { APP_ORIGIN, fakeWindow, until } from '../support/fakeBrowser.js'
import { useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const submit = { api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() }

describe('redirect mode', () => {
  it('saves the wizard before leaving; after the redirect back it exchanges the code once and submits the return once', async () => {
    const tab = fakeWindow()
    const store = () => createBrowserStore({ pendingStorage: tab.sessionStorage })
    const first = vatWorld({ server, store: store(), grantflow: { navigator: createRedirectNavigator(tab.win) } })
    const wizard = await first.grantflow.startWizard(submit)
    await waitFor(wizard, (s) => s.matches({ awaitingConsent: 'atProvider' }))
    await until(() => tab.assigned.length === 1)
    // The page unloads; what survives is sessionStorage.
    first.grantflow.dispose()
    wizard.stop()

    const callbackUrl = await first.kit.authorize(tab.assigned[0]!)
    // The provider sent the user back: a new page, a new runtime over the same storage.
    const page2 = createWorldOnSameProvider(first, store(), tab)
    const saved = JSON.parse(tab.sessionStorage.getItem(SAVED_WIZARD_KEY)!)
    expect(JSON.stringify(saved)).not.toMatch(/access_token|refresh_token|codeVerifier/)
    const resumed = await page2.resumeWizard(saved)
    resumed.send({ type: 'CALLBACK_RECEIVED', callbackUrl })
    const done = await waitFor(resumed, (s) => s.status === 'done' || s.matches('failed'))
    expect(done.context.error).toBeUndefined()
    expect(done.value).toBe('succeeded')
    expect(first.routes.submissions).toHaveLength(1)
    expect(first.routes.submissions[0]!.body).toEqual(vatReturn())
    // The restored wizard did not send the user back to the provider.
    expect(tab.assigned).toHaveLength(1)

    // A reload of the callback page (or a StrictMode double mount) restores the wizard again:
    // the code is not exchanged twice and the return is not sent twice.
    const reloaded = await createWorldOnSameProvider(first, store(), tab).resumeWizard(saved)
    reloaded.send({ type: 'CALLBACK_RECEIVED', callbackUrl })
    const again = await waitFor(reloaded, (s) => s.status === 'done' || s.matches('failed'))
    expect(again.value).toBe('failed')
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(first.routes.submissions).toHaveLength(1)
  })
})

describe('popup mode', () => {
  function popupWorld() {
    const tab = fakeWindow()
    // The runtime connects the navigator to itself: the popup's result goes to completeAuthorization.
    const navigator = createPopupNavigator({ window: tab.win, pollMs: 5 })
    const world = vatWorld({ server, grantflow: { navigator } })
    return { ...world, tab, navigator }
  }

  it('completes consent through the popup while the page stays, and retries the call', async () => {
    const { grantflow, tab, kit, routes, navigator } = popupWorld()
    navigator.prepare()
    const result = grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())
    await until(() => tab.popups[0]?.location.href.startsWith('https://test-www') ?? false)
    // A message from another origin is ignored.
    tab.post({ type: 'grantflow:callback', url: 'https://app.example/callback?code=forged&state=x' }, 'https://evil.example')
    const callbackUrl = await kit.authorize(tab.popups[0]!.location.href)
    tab.post({ type: 'grantflow:callback', url: callbackUrl }, APP_ORIGIN)
    await expect(result).resolves.toHaveProperty('formBundleNumber')
    expect(tab.assigned).toEqual([])
    expect(tab.popups[0]!.closed).toBe(true)
    expect(routes.submissions).toHaveLength(1)
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
  })

  it('fails the call with CancelledError when the user closes the popup, keeping it for a retry', async () => {
    const { grantflow, tab } = popupWorld()
    const wizard = await grantflow.startWizard(submit)
    await until(() => tab.popups.length === 1)
    tab.popups[0]!.close()
    const failed = await waitFor(wizard, (s) => s.matches('failed'))
    expect(failed.context.error).toBeInstanceOf(CancelledError)
    expect(failed.context.call).toEqual({ ...submit, apiUser: { kind: 'company', id: 'acme-ltd' } })
    expect(tab.listenerCount()).toBe(0)
  })

  it('forgets an abandoned consent in the store too: a callback for it that comes late is refused', async () => {
    const { grantflow, tab, kit } = popupWorld()
    const wizard = await grantflow.startWizard(submit)
    await until(() => tab.popups[0]?.location.href.startsWith('https://test-www') ?? false)
    const authorizationUrl = tab.popups[0]!.location.href
    tab.popups[0]!.close()
    await waitFor(wizard, (s) => s.matches('failed'))
    await expect.poll(async () => (await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })).map((s) => s.pending)).toEqual([undefined])

    const late = await kit.authorize(authorizationUrl)
    await expect(grantflow.completeAuthorization(late)).rejects.toMatchObject({ reason: 'no_pending_authorization' })
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
  })
})

/** A second page of the same app: a new runtime, the same fake provider and storage. */
function createWorldOnSameProvider(first: ReturnType<typeof vatWorld>, store: ReturnType<typeof createBrowserStore>, tab: ReturnType<typeof fakeWindow>) {
  // The first world's handlers stay installed; this runtime talks to the same fake HMRC, and
  // navigates by redirect as the app does.
  const second = vatWorld({ server, store, user: 'none', grantflow: { navigator: createRedirectNavigator(tab.win) } })
  server.resetHandlers(...first.kit.handlers, ...first.pisteKit.handlers)
  void second.kit
  return second.grantflow
}
