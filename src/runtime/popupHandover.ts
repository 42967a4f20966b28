import type { KeyValueStorage } from '../session/browserStore.js'

// How a consent popup's callback reaches the page of its tab when the page that opened the popup
// is gone (reloaded, or left for another of the app's pages): the popup leaves the callback in its
// opener tab's sessionStorage, which the page there now finds on load, or takes when the popup's
// message says it is there.

/**
 * Where the callback page in the consent popup leaves its URL, in its opener tab's sessionStorage
 * (only a page of this origin holding that tab can write there). Taken once, by whichever page of
 * the tab takes it first: a code is exchanged once.
 */
export const HANDED_CALLBACK_KEY = 'grantflow.popupCallback'

/**
 * The mark a popup navigator leaves in its own tab while a consent popup it opened is out, so
 * that the page loaded next in this tab (a reload) knows to wait for that popup's callback.
 */
export const POPUP_OUT_KEY = 'grantflow.consentPopupOut'

type TabStorage = Pick<KeyValueStorage, 'getItem' | 'setItem' | 'removeItem'>

/** Takes the callback a consent popup left in this tab, once (and the tab's mark with it). */
export function takeHandedCallback(storage: TabStorage): string | undefined {
  const url = storage.getItem(HANDED_CALLBACK_KEY)
  if (url === null) return undefined
  storage.removeItem(HANDED_CALLBACK_KEY)
  storage.removeItem(POPUP_OUT_KEY)
  return url
}

/** The window a page waiting for a handed callback listens on. */
export interface HandoverWindow {
  location: { origin: string }
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  sessionStorage: TabStorage
}

/**
 * For a page loaded in a tab whose consent popup is still out (its opener was reloaded): the
 * popup's callback, found on load or brought later by its message, is given to `resume`, once.
 * Messages from a popup this page opened itself (`isOwnPopup`) are that popup's listener's. The
 * message only says where to look: the URL taken is the one in this tab's sessionStorage, which
 * no other site, and no window without a hold on this tab, can have written. Returns what stops
 * waiting.
 */
export function awaitHandedCallback(win: HandoverWindow, isOwnPopup: (source: unknown) => boolean, resume: (callbackUrl: string) => void): () => void {
  const found = takeHandedCallback(win.sessionStorage)
  if (found !== undefined) {
    resume(found)
    return () => undefined
  }
  if (win.sessionStorage.getItem(POPUP_OUT_KEY) === null) return () => undefined
  const onMessage = (event: MessageEvent) => {
    const data = event.data as { type?: unknown } | null
    if (event.origin !== win.location.origin || data?.type !== 'grantflow:callback' || isOwnPopup(event.source)) return
    const url = takeHandedCallback(win.sessionStorage)
    if (url === undefined) return
    stop()
    closeQuietly(event.source)
    resume(url)
  }
  const stop = () => win.removeEventListener('message', onMessage)
  win.addEventListener('message', onMessage)
  return stop
}

/** Closes the popup that brought the callback (it closes itself a moment later otherwise). */
function closeQuietly(source: unknown): void {
  try {
    ;(source as { close?: () => void } | null)?.close?.()
  } catch {
    // Not ours to close after all: it closes itself.
  }
}
