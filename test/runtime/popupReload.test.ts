import { waitFor } from 'xstate'
import { describe, expect, it, vi } from 'vitest'
import { createBrowserStore, createPopupNavigator, deliverCallbackToOpener, InvalidCallbackError, type ResumedConsent } from '../../src/index.js'
import { CONSENT_POPUP_KEY } from '../../src/runtime/navigation.js'
import { HANDED_CALLBACK_KEY, POPUP_OUT_KEY } from '../../src/runtime/popupHandover.js'
import { APP_ORIGIN, fakeWindow, until } from '../support/fakeBrowser.js'
import { useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

// Issue 21, item 4, in the runtime: the app's page is reloaded while its consent popup is at the
// provider. A reload keeps the tab's sessionStorage (the pending authorization, its call, the
// popup's mark) and nothing else: the reloaded page is a new runtime over a new window object.

const server = useMsw()
const submit = { api: 'vat', endpoint: 'submitReturn', params: { vrn: VRN }, body: vatReturn() }

/** A page whose consent popup is at the provider, then reloaded: the tab, the popup and the provider's callback. */
async function reloadedWhileAtProvider() {
  const tab = fakeWindow()
  const store = () => createBrowserStore({ pendingStorage: tab.sessionStorage })
  const first = vatWorld({ server, store: store(), grantflow: { navigator: createPopupNavigator({ window: tab.win, pollMs: 60_000 }) } })
  const wizard = await first.grantflow.startWizard(submit)
  await until(() => tab.popups[0]?.location.href.startsWith('https://test-www') ?? false)
  const popup = tab.popups[0]!
  // F5: the page's runtime, its wizard and its listeners are gone; the tab's sessionStorage stays.
  first.grantflow.dispose()
  wizard.stop()
  const reloadedTab = fakeWindow(tab.sessionStorage)
  const callbackUrl = await first.kit.authorize(popup.location.href)
  /** The reloaded page's runtime, over the same provider (its kit's handlers stay installed). */
  const reload = (company = 'acme-ltd') => {
    const page = vatWorld({
      server,
      store: store(),
      user: 'none',
      grantflow: { navigator: createPopupNavigator({ window: reloadedTab.win, pollMs: 60_000 }), apiUser: { company: () => company } },
    })
    server.resetHandlers(...first.kit.handlers, ...first.pisteKit.handlers)
    return page.grantflow
  }
  /** The callback page loading in the popup: it hands the callback to its opener, now the reloaded page. */
  const deliver = () =>
    deliverCallbackToOpener({
      opener: { postMessage: (message, origin) => reloadedTab.post(message, origin, popup), sessionStorage: tab.sessionStorage },
      location: new URL(callbackUrl),
      close: () => popup.close(),
      sessionStorage: popup.sessionStorage,
    })
  return { first, tab, reloadedTab, popup, callbackUrl, reload, deliver }
}

const resumedOf = async (grantflow: { resumedConsent: { getSnapshot(): ResumedConsent | undefined } }, status: ResumedConsent['status']) => {
  await until(() => grantflow.resumedConsent.getSnapshot()?.status === status)
  return grantflow.resumedConsent.getSnapshot()!
}

describe('a consent popup whose opener was reloaded', () => {
  it('the reloaded page completes the callback the popup brings and makes the kept call once', async () => {
    const { first, reloadedTab, popup, reload, deliver } = await reloadedWhileAtProvider()
    const page = reload()
    expect(deliver()).toBe(true)
    const resumed = await resumedOf(page, 'resumed')
    const done = await waitFor(resumed.wizard!, (s) => s.hasTag('ended'))
    expect(done.value).toBe('succeeded')
    expect(done.context.result).toHaveProperty('formBundleNumber')
    expect(done.context.call).toEqual({ ...submit, apiUser: { kind: 'company', id: 'acme-ltd' } })
    expect(popup.closed).toBe(true)
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(first.routes.submissions.map((s) => s.body)).toEqual([vatReturn()])
    // Taken once: the tab keeps no copy, and the page no longer listens for it.
    expect(reloadedTab.sessionStorage.getItem(HANDED_CALLBACK_KEY)).toBeNull()
    expect(reloadedTab.sessionStorage.getItem(POPUP_OUT_KEY)).toBeNull()
    expect(reloadedTab.listenerCount()).toBe(0)
  })

  it('a page that loads after the popup delivered finds the callback on load', async () => {
    const { first, reload, deliver } = await reloadedWhileAtProvider()
    // Delivered while the tab showed no page listening (mid-reload, or another page of the site).
    expect(deliver()).toBe(true)
    const page = reload()
    const resumed = await resumedOf(page, 'resumed')
    expect((await waitFor(resumed.wizard!, (s) => s.hasTag('ended'))).value).toBe('succeeded')
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(first.routes.submissions).toHaveLength(1)
  })

  it('a reloaded page signed in as another company refuses it: nothing exchanged, nothing sent, the refusal said', async () => {
    const { first, reload, deliver } = await reloadedWhileAtProvider()
    const page = reload('globex')
    deliver()
    const resumed = await resumedOf(page, 'failed')
    expect(resumed.error).toBeInstanceOf(InvalidCallbackError)
    expect(resumed.error).toMatchObject({ reason: 'binding_mismatch' })
    expect(resumed.wizard).toBeUndefined()
    expect(first.kit.counters.tokenRequestsByGrant.authorization_code).toBe(0)
    expect(first.routes.submissions).toHaveLength(0)
  })

  it('a message alone completes nothing: only a callback the popup left in this tab is taken', () => {
    const tab = fakeWindow()
    tab.sessionStorage.setItem(POPUP_OUT_KEY, '1')
    const runtime = { completeAuthorization: vi.fn(() => Promise.resolve()), abandonConsent: vi.fn(), resumeAuthorization: vi.fn() }
    createPopupNavigator({ window: tab.win }).connect!(runtime)
    const forged = { type: 'grantflow:callback', url: `${APP_ORIGIN}/callback?code=forged&state=s` }
    // Another window of the origin (or a forged one) posting a URL of its own: nothing was left in the tab.
    tab.post(forged, APP_ORIGIN, {})
    tab.sessionStorage.setItem(HANDED_CALLBACK_KEY, `${APP_ORIGIN}/callback?code=c&state=s`)
    // Another site's message, even with a callback in the tab.
    tab.post(forged, 'https://evil.example', {})
    expect(runtime.resumeAuthorization).not.toHaveBeenCalled()
    tab.post(forged, APP_ORIGIN, {})
    tab.post(forged, APP_ORIGIN, {})
    // The URL the popup left, not the message's; once.
    expect(runtime.resumeAuthorization).toHaveBeenCalledExactlyOnceWith(`${APP_ORIGIN}/callback?code=c&state=s`)
    expect(runtime.completeAuthorization).not.toHaveBeenCalled()
  })

  it('the page that opened the popup, still there, takes the message itself and leaves no copy in the tab', async () => {
    const tab = fakeWindow()
    const runtime = { completeAuthorization: vi.fn(() => Promise.resolve()), abandonConsent: vi.fn(), resumeAuthorization: vi.fn() }
    const navigator = createPopupNavigator({ window: tab.win, pollMs: 60_000 })
    navigator.connect!(runtime)
    void navigator.open('https://provider.example/authorize?state=s', { sessionKey: 'k', saveWizard: () => undefined })
    const popup = tab.popups[0]!
    expect(popup.sessionStorage.getItem(CONSENT_POPUP_KEY)).toBe('1')
    const url = `${APP_ORIGIN}/callback?code=c&state=s`
    deliverCallbackToOpener({
      opener: { postMessage: (message, origin) => tab.post(message, origin, popup), sessionStorage: tab.sessionStorage },
      location: new URL(url),
      close: () => popup.close(),
      sessionStorage: popup.sessionStorage,
    })
    expect(runtime.completeAuthorization).toHaveBeenCalledExactlyOnceWith(url)
    expect(runtime.resumeAuthorization).not.toHaveBeenCalled()
    expect(tab.sessionStorage.getItem(HANDED_CALLBACK_KEY)).toBeNull()
    expect(tab.sessionStorage.getItem(POPUP_OUT_KEY)).toBeNull()
  })

  it('a popup whose opener now shows another site handles the callback itself', () => {
    const popupStorage = fakeWindow().sessionStorage
    popupStorage.setItem(CONSENT_POPUP_KEY, '1')
    const postMessage = vi.fn()
    const opener = {
      postMessage,
      get sessionStorage(): never {
        throw new DOMException('Blocked a frame from accessing a cross-origin frame', 'SecurityError')
      },
    }
    expect(deliverCallbackToOpener({ opener, location: new URL(`${APP_ORIGIN}/callback?code=c&state=s`), close: vi.fn(), sessionStorage: popupStorage })).toBe(
      false,
    )
    expect(postMessage).not.toHaveBeenCalled()
  })
})
