// A small history router: the demo is one document, so the fake providers (in this tab) keep
// their state while the user "leaves" for a provider screen and comes back.
import { useSyncExternalStore } from 'react'

const listeners = new Set<() => void>()

function notify() {
  listeners.forEach((listener) => listener())
}

globalThis.addEventListener?.('popstate', notify)

/** Goes to a same-origin path (with its query), adding a history entry. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.origin)
  if (url.origin !== location.origin) throw new Error(`navigate: ${to} is not on this origin`)
  history[options.replace ? 'replaceState' : 'pushState'](null, '', url.pathname + url.search + url.hash)
  scrollTo({ top: 0 })
  notify()
}

function subscribe(listener: () => void) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The current path and query; re-renders on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search)
  const url = new URL(href, 'http://x')
  return { pathname: url.pathname, search: url.search }
}

/** A link that navigates without reloading the document. */
export function linkProps(to: string) {
  return {
    href: to,
    onClick: (event: { preventDefault(): void; metaKey: boolean; ctrlKey: boolean; button: number }) => {
      if (event.metaKey || event.ctrlKey || event.button !== 0) return
      event.preventDefault()
      navigate(to)
    },
  }
}
