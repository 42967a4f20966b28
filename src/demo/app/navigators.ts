// The demo's navigation doors: grantflow's own redirect and popup navigators, given a window in
// which a simulated provider's authorization URL leads to its screen in this demo, and the
// embedded provider's (on this origin, a real server) is visited for real.
import { createPopupNavigator, createRedirectNavigator, type ConsentNavigator, type NavigatorWindow } from 'grantflow'
import { navigate } from '../router.js'
import { providerPagePath } from '../provider/providerPage.js'

/** Redirect mode: the app is left behind (its runtime disposed) and the provider's page shown. */
export function demoRedirectNavigator(leaveApp: () => void): ConsentNavigator {
  const win: NavigatorWindow = {
    sessionStorage: window.sessionStorage,
    open: () => null,
    addEventListener: (type, listener) => window.addEventListener(type, listener),
    removeEventListener: (type, listener) => window.removeEventListener(type, listener),
    location: {
      origin: location.origin,
      assign(url) {
        // What a page unload does to the app: its wizards and token sessions are gone; what is
        // left is sessionStorage (the saved wizard, the pending authorization).
        leaveApp()
        if (isSimulated(url)) navigate(providerPagePath(url))
        else location.assign(url)
      },
    },
  }
  return createRedirectNavigator(win)
}

type PopupHandle = NonNullable<ReturnType<NavigatorWindow['open']>>

/** Popup mode: a real popup, showing the provider's screen; the callback page in it posts back. */
export function demoPopupNavigator(): ReturnType<typeof createPopupNavigator> {
  const win: NavigatorWindow = {
    sessionStorage: window.sessionStorage,
    location: { origin: location.origin, assign: (url) => location.assign(url) },
    addEventListener: (type, listener) => window.addEventListener(type, listener),
    removeEventListener: (type, listener) => window.removeEventListener(type, listener),
    open(url, target, features) {
      const popup = window.open(toScreen(url), target, features)
      return popup && providerWindow(popup, url)
    },
  }
  return createPopupNavigator({ window: win, pollMs: 300 })
}

/** The popup as the navigator sees it: setting its location to the provider shows the provider's screen. */
function providerWindow(popup: Window, initial: string): PopupHandle {
  let href = initial
  return {
    get closed() {
      return popup.closed
    },
    close: () => popup.close(),
    // The real popup: where the callback page's message comes from, and the storage it is marked in.
    window: popup,
    get sessionStorage() {
      return popup.sessionStorage
    },
    location: {
      get href() {
        return href
      },
      set href(url: string) {
        href = url
        popup.location.href = toScreen(url)
      },
    },
  }
}

function toScreen(url: string): string {
  return isSimulated(url) ? providerPagePath(url) : url
}

/**
 * A simulated provider's URL: another origin, which only MSW answers (a service worker does not
 * answer top-level navigations there). The embedded provider lives on this page's origin.
 */
function isSimulated(url: string): boolean {
  return /^https?:/.test(url) && new URL(url).origin !== location.origin
}
