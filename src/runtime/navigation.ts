import type { KeyValueStorage } from '../session/browserStore.js'
import { ConfigurationError } from '../errors.js'
import { awaitHandedCallback, HANDED_CALLBACK_KEY, POPUP_OUT_KEY } from './popupHandover.js'

/**
 * How the user is sent to the provider: the navigation door. The wizard that owns a consent
 * calls `open` once it is waiting at `awaitingConsent.atProvider`.
 */
export interface ConsentNavigator {
  mode: 'redirect' | 'popup' | 'custom'
  /**
   * Sends the user to the provider. `saveWizard` returns the wizard's persisted snapshot, for
   * a redirect to keep before leaving the page.
   */
  open(url: string, context: { sessionKey: string; saveWizard: () => unknown }): void | Promise<void>
  /**
   * Called once by the runtime the navigator is given to, for navigators that report back (popup).
   * May return a function that disconnects it (called by the runtime's `dispose()`); any other
   * value is ignored.
   */
  connect?(runtime: NavigatorRuntime): unknown
}

/** What a navigator may tell the runtime. */
export interface NavigatorRuntime {
  completeAuthorization(callbackUrl: string): Promise<unknown>
  abandonConsent(sessionKey: string): void
  /**
   * Completes a callback this page did not start waiting for (the consent popup of a page reloaded
   * since) and makes its kept call again. Without it, the callback is only completed.
   */
  resumeAuthorization?(callbackUrl: string): void
}

/** The consent popup as the popup navigator holds it; a real `Window` is one. */
export interface PopupWindow {
  closed: boolean
  close(): void
  location: { href: string }
  /** The window its messages come from (their `event.source`): a real `Window` is its own `window`. */
  window: unknown
  /** Its sessionStorage, written while it still shows this origin's `about:blank`, to mark it as the consent popup. */
  sessionStorage: Pick<KeyValueStorage, 'setItem'>
}

/** Minimal window surface the browser navigators use, injectable for tests. */
export interface NavigatorWindow {
  location: { assign(url: string): void; origin: string }
  open(url: string, target: string, features: string): PopupWindow | null
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  sessionStorage: Pick<KeyValueStorage, 'setItem' | 'getItem' | 'removeItem'>
}

/** Where a redirect keeps the wizard it leaves behind. */
// Not under the store's `grantflow:` prefix, so the store never mistakes it for a session.
export const SAVED_WIZARD_KEY = 'grantflow.wizard'

/**
 * The mark the popup navigator leaves in its popup's own sessionStorage, by which the callback page
 * knows it is that popup. Only a page of this origin can write it there (the popup shows this
 * origin's `about:blank` then), and it stays through the popup's visit to the provider and back.
 * Not `window.name`: whoever opens a window names it, and browsers clear it across sites.
 */
export const CONSENT_POPUP_KEY = 'grantflow.consentPopup'

/**
 * Redirect mode: save the wizard (with its pending call) in sessionStorage, then leave for the
 * provider. The app's callback route restores it with `grantflow.resumeWizard()`.
 */
export function createRedirectNavigator(win: NavigatorWindow = globalThis as unknown as NavigatorWindow): ConsentNavigator {
  return {
    mode: 'redirect',
    open(url, { saveWizard }) {
      win.sessionStorage.setItem(SAVED_WIZARD_KEY, JSON.stringify(saveWizard()))
      win.location.assign(url)
    },
  }
}

/** The message a callback page posts to the window that opened it. */
export interface CallbackMessage {
  type: 'grantflow:callback'
  url: string
}

export interface PopupNavigator extends ConsentNavigator {
  mode: 'popup'
  /**
   * Opens an empty popup now, inside the click handler: browsers block popups opened later,
   * after the asynchronous work of preparing the authorization request. It opens on this origin's
   * `about:blank`, marked as the consent popup (CONSENT_POPUP_KEY); a consent popup left open at
   * the provider is closed and replaced.
   */
  prepare(): void
}

/**
 * Popup mode: the provider opens in a popup and the page never navigates away. The callback page
 * in the popup posts its URL back; only a message from that popup and this page's origin is taken,
 * and handed to the runtime's completeAuthorization. A popup closed before that abandons the consent.
 *
 * @example
 * const navigator = createPopupNavigator()
 * const grantflow = createGrantflow({ ..., navigator })
 * button.onclick = () => { navigator.prepare(); grantflow.apis.vat.submitReturn(...) }
 */
export function createPopupNavigator(
  options: {
    /** Defaults to the runtime's completeAuthorization, once connected. */
    onCallback?: (callbackUrl: string) => void
    /** Defaults to the runtime's abandonConsent, once connected. */
    onAbandoned?: (sessionKey: string) => void
    window?: NavigatorWindow
    features?: string
    pollMs?: number
  } = {},
): PopupNavigator {
  const win = options.window ?? (globalThis as unknown as NavigatorWindow)
  let runtime: NavigatorRuntime | undefined
  const onCallback = (url: string) => (options.onCallback ? options.onCallback(url) : void runtime?.completeAuthorization(url).catch(() => undefined))
  const onAbandoned = (key: string) => (options.onAbandoned ? options.onAbandoned(key) : runtime?.abandonConsent(key))
  const features = options.features ?? 'popup,width=520,height=720'
  let prepared: PopupWindow | null = null
  /** The popups this page opened and waits for: their messages are their own listener's. */
  const waiting = new Set<unknown>()
  const openPopup = (): PopupWindow | null => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const popup = win.open('about:blank', 'grantflow-consent', features)
      if (!popup) return null
      try {
        // Marked before it leaves for the provider: from then on it is another origin's until the callback.
        popup.sessionStorage.setItem(CONSENT_POPUP_KEY, '1')
        return popup
      } catch {
        // The name found an earlier consent popup still at the provider, another origin's page we
        // cannot mark (nor wait for it to load about:blank): close it, which abandons its consent,
        // and open a fresh one.
        popup.close()
      }
    }
    throw new ConfigurationError('the consent popup could not be opened on this origin')
  }
  return {
    mode: 'popup',
    connect(connected) {
      runtime = connected
      // A page loaded while its tab's consent popup was out (the page that opened it was
      // reloaded): it completes that popup's callback, as its opener would have.
      return awaitHandedCallback(
        win,
        (source) => waiting.has(source),
        (url) => (connected.resumeAuthorization && !options.onCallback ? connected.resumeAuthorization(url) : onCallback(url)),
      )
    },
    prepare() {
      // Never throws into the app's click handler: open() tries again and fails the call in words.
      try {
        if (!prepared || prepared.closed) prepared = openPopup()
      } catch {
        prepared = null
      }
    },
    open(url, { sessionKey }) {
      const popup = prepared && !prepared.closed ? prepared : openPopup()
      prepared = null
      if (!popup) throw new ConfigurationError('the browser blocked the consent popup: call prepare() from the click handler')
      popup.location.href = url
      // Should this page be reloaded before the callback, the next page in this tab waits for it.
      win.sessionStorage.setItem(POPUP_OUT_KEY, '1')
      waiting.add(popup.window)
      let settled = false
      const onMessage = (event: MessageEvent) => {
        const data = event.data as Partial<CallbackMessage> | null
        // Only our own origin's callback page, in the popup opened here, may deliver a code: not
        // another window of this origin (an iframe, another tab), nor anything else.
        if (event.source !== popup.window || event.origin !== win.location.origin || data?.type !== 'grantflow:callback' || typeof data.url !== 'string') return
        settled = true
        stop()
        // The copy the popup left for a reloaded page: this page takes the callback itself.
        win.sessionStorage.removeItem(HANDED_CALLBACK_KEY)
        popup.close()
        onCallback(data.url)
      }
      const timer = setInterval(() => {
        if (!popup.closed || settled) return
        stop()
        onAbandoned(sessionKey)
      }, options.pollMs ?? 500)
      const stop = () => {
        clearInterval(timer)
        win.removeEventListener('message', onMessage)
        waiting.delete(popup.window)
        win.sessionStorage.removeItem(POPUP_OUT_KEY)
      }
      win.addEventListener('message', onMessage)
    },
  }
}

/**
 * For the callback page loaded in a popup: hand the callback URL to the opener (same origin
 * only), which then closes the popup. Only in the popup a popup navigator opened and marked for
 * this (see CONSENT_POPUP_KEY): any other page with an opener (one opened by a link or another
 * site) returns false, as does a popup whose opener is gone or on another origin now, and handles
 * the callback itself. The URL is also left in the opener tab's sessionStorage, where a page
 * loaded there since the popup opened (a reload) finds it (see popupHandover.ts).
 */
export function deliverCallbackToOpener(
  win: {
    opener: {
      postMessage(message: CallbackMessage, origin: string): void
      closed?: boolean
      /** The opener tab's sessionStorage, readable while the opener shows a page of this origin. */
      sessionStorage?: Pick<KeyValueStorage, 'setItem'>
    } | null
    location: { href: string; origin: string }
    close(): void
    sessionStorage: Pick<KeyValueStorage, 'getItem' | 'removeItem'>
  } = globalThis as never,
): boolean {
  if (!win.opener || win.opener.closed || win.sessionStorage.getItem(CONSENT_POPUP_KEY) === null) return false
  try {
    // Whichever page of the opener's tab now waits takes it from there (the page that opened the
    // popup takes the message instead, and removes it).
    win.opener.sessionStorage?.setItem(HANDED_CALLBACK_KEY, win.location.href)
  } catch {
    // The opener shows another origin's page now: nobody there waits for this callback.
    return false
  }
  // Used once: should this window show the callback route again, it is no longer a waiting popup.
  win.sessionStorage.removeItem(CONSENT_POPUP_KEY)
  // The opener closes the popup when the message arrives: closing here could be seen first, and
  // read as the user abandoning the consent.
  win.opener.postMessage({ type: 'grantflow:callback', url: win.location.href }, win.location.origin)
  return true
}
