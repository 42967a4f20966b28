import type { KeyValueStorage, NavigatorWindow, PopupWindow } from '../../src/index.js'

/** A Web Storage stand-in that behaves as sessionStorage does within one tab. */
export function fakeStorage(): KeyValueStorage & Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const items = new Map<string, string>()
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
    key: (index) => [...items.keys()][index] ?? null,
    get length() {
      return items.size
    },
  }
}

export const APP_ORIGIN = 'https://app.example'

/** The window the browser navigators use: records where it went and lets a test post messages. */
export function fakeWindow(sessionStorage = fakeStorage()) {
  const listeners = new Set<(event: MessageEvent) => void>()
  const assigned: string[] = []
  const popups: Array<PopupWindow & { sessionStorage: ReturnType<typeof fakeStorage> }> = []
  const win: NavigatorWindow = {
    location: { assign: (url) => void assigned.push(url), origin: APP_ORIGIN },
    open(url) {
      const popup = {
        closed: false,
        close() {
          popup.closed = true
        },
        location: { href: url },
        // As a real Window is its own `window`: what its messages' `event.source` is.
        get window() {
          return popup
        },
        sessionStorage: fakeStorage(),
      }
      popups.push(popup)
      return popup
    },
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
    sessionStorage,
  }
  return {
    win,
    sessionStorage,
    assigned,
    popups,
    /** A message as the callback page in the popup would post it (from another window, given its `source`). */
    post(data: unknown, origin = APP_ORIGIN, source: unknown = popups.at(-1)) {
      for (const listener of [...listeners]) listener({ data, origin, source } as MessageEvent)
    },
    listenerCount: () => listeners.size,
  }
}

/** Waits until `condition` holds, checking every few milliseconds (for facts no actor emits). */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}
