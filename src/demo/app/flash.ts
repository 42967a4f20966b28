// A notice that outlives a (simulated) page load: the callback page finishes a call and the page
// the user returns to says how it went.
import { useSyncExternalStore } from 'react'

export interface Flash {
  tone: 'success' | 'info' | 'error'
  title: string
  detail?: string
  /** The call it reports, so the page can use its result (figures imported from Odoo). */
  endpoint?: string
  result?: unknown
}

let flash: Flash | undefined
const listeners = new Set<() => void>()

export function showFlash(value: Flash | undefined): void {
  flash = value
  listeners.forEach((listener) => listener())
}

export function useFlash(): Flash | undefined {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    () => flash,
  )
}
