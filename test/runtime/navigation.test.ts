import { describe, expect, it, vi } from 'vitest'
import { createPopupNavigator, deliverCallbackToOpener, type CallbackMessage } from '../../src/index.js'
import { CONSENT_POPUP_KEY } from '../../src/runtime/navigation.js'
import { APP_ORIGIN, fakeStorage, fakeWindow } from '../support/fakeBrowser.js'

const AUTHORIZATION_URL = 'https://provider.example/authorize?state=s'
const CALLBACK = { type: 'grantflow:callback', url: `${APP_ORIGIN}/callback?code=c&state=s` } satisfies CallbackMessage

function openedPopup() {
  const tab = fakeWindow()
  const runtime = { completeAuthorization: vi.fn(() => Promise.resolve()), abandonConsent: vi.fn() }
  const navigator = createPopupNavigator({ window: tab.win, pollMs: 60_000 })
  navigator.connect!(runtime)
  navigator.prepare()
  void navigator.open(AUTHORIZATION_URL, { sessionKey: 'k', saveWizard: () => undefined })
  return { tab, runtime, popup: tab.popups[0]! }
}

describe('the popup navigator', () => {
  it('takes the callback from the popup it opened, once', () => {
    const { tab, runtime, popup } = openedPopup()
    tab.post(CALLBACK, APP_ORIGIN, popup)
    expect(runtime.completeAuthorization).toHaveBeenCalledExactlyOnceWith(CALLBACK.url)
    expect(popup.closed).toBe(true)
    expect(tab.listenerCount()).toBe(0)
  })

  it('ignores a callback message from another window of the same origin, and keeps waiting for the popup', () => {
    const { tab, runtime, popup } = openedPopup()
    // Another tab, an iframe or a window the app opened for something else: same origin, same shape.
    const otherWindow = { postMessage: () => undefined }
    tab.post(CALLBACK, APP_ORIGIN, otherWindow)
    tab.post(CALLBACK, APP_ORIGIN, null)
    // From the popup, but another origin's page (the provider's, or one it was sent to).
    tab.post(CALLBACK, 'https://provider.example', popup)
    expect(runtime.completeAuthorization).not.toHaveBeenCalled()
    expect(popup.closed).toBe(false)
    expect(tab.listenerCount()).toBe(1)

    tab.post(CALLBACK, APP_ORIGIN, popup)
    expect(runtime.completeAuthorization).toHaveBeenCalledExactlyOnceWith(CALLBACK.url)
  })

  it('marks its popup as the consent popup while it is still this origin, before sending it to the provider', () => {
    const tab = fakeWindow()
    const marks: Array<{ href: string; key: string }> = []
    let opened: { close(): void } | undefined
    tab.win.open = (url) => {
      const popup = {
        closed: false,
        close: () => void (popup.closed = true),
        location: { href: url },
        window: undefined as unknown,
        sessionStorage: fakeStorage(),
      }
      popup.window = popup
      popup.sessionStorage.setItem = (key) => void marks.push({ key, href: popup.location.href })
      opened = popup
      return popup
    }
    // Without prepare() as with it: the popup opens on about:blank and is marked there.
    void createPopupNavigator({ window: tab.win, pollMs: 5 }).open(AUTHORIZATION_URL, { sessionKey: 'k', saveWizard: () => undefined })
    expect(marks).toEqual([{ key: CONSENT_POPUP_KEY, href: 'about:blank' }])
    opened!.close()
  })
  it('replaces a consent popup left open at the provider, which it cannot mark, with a fresh one', () => {
    const tab = fakeWindow()
    const open = tab.win.open.bind(tab.win)
    // The user left the first consent popup at the provider: window.open finds it by its name, but
    // it shows another origin's page, whose sessionStorage this page may not touch.
    const stale = {
      closed: false,
      close: () => void (stale.closed = true),
      location: { href: AUTHORIZATION_URL },
      window: undefined as unknown,
      sessionStorage: fakeStorage(),
    }
    stale.window = stale
    stale.sessionStorage.setItem = () => {
      throw new DOMException('Blocked a frame from accessing a cross-origin frame', 'SecurityError')
    }
    tab.win.open = (url, target, features) => (stale.closed ? open(url, target, features) : stale)
    const runtime = { completeAuthorization: vi.fn(() => Promise.resolve()), abandonConsent: vi.fn() }
    const navigator = createPopupNavigator({ window: tab.win, pollMs: 60_000 })
    navigator.connect!(runtime)
    navigator.prepare()
    void navigator.open(AUTHORIZATION_URL, { sessionKey: 'k', saveWizard: () => undefined })

    expect(stale.closed).toBe(true)
    const fresh = tab.popups[0]!
    expect(fresh.sessionStorage.getItem(CONSENT_POPUP_KEY)).toBe('1')
    expect(fresh.location.href).toBe(AUTHORIZATION_URL)
    tab.post(CALLBACK, APP_ORIGIN, stale)
    expect(runtime.completeAuthorization).not.toHaveBeenCalled()
    tab.post(CALLBACK, APP_ORIGIN, fresh)
    expect(runtime.completeAuthorization).toHaveBeenCalledExactlyOnceWith(CALLBACK.url)
  })
})

describe('deliverCallbackToOpener', () => {
  const url = `${APP_ORIGIN}/callback?code=c&state=s`
  const fakeOpener = (closed = false) => ({ postMessage: vi.fn<(message: CallbackMessage, origin: string) => void>(), closed })
  function callbackPage(opener: ReturnType<typeof fakeOpener>, marked: boolean) {
    const sessionStorage = fakeStorage()
    if (marked) sessionStorage.setItem(CONSENT_POPUP_KEY, '1')
    return { opener, location: new URL(url), close: vi.fn(), sessionStorage }
  }

  it('hands the callback to the opener in the popup the navigator marked, once', () => {
    const opener = fakeOpener()
    const page = callbackPage(opener, true)
    expect(deliverCallbackToOpener(page)).toBe(true)
    expect(opener.postMessage).toHaveBeenCalledExactlyOnceWith({ type: 'grantflow:callback', url }, APP_ORIGIN)
    expect(page.sessionStorage.getItem(CONSENT_POPUP_KEY)).toBeNull()
    expect(deliverCallbackToOpener(page)).toBe(false)
    expect(opener.postMessage).toHaveBeenCalledTimes(1)
  })

  it('posts nothing to an opener that did not open this page as its consent popup', () => {
    // A page opened by a link with target=_blank or by another site's window.open has an opener too.
    const opener = fakeOpener()
    expect(deliverCallbackToOpener(callbackPage(opener, false))).toBe(false)
    expect(opener.postMessage).not.toHaveBeenCalled()
  })

  it('handles the callback itself when the opener is gone', () => {
    const opener = fakeOpener(true)
    expect(deliverCallbackToOpener(callbackPage(opener, true))).toBe(false)
    expect(opener.postMessage).not.toHaveBeenCalled()
  })
})
