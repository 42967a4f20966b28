import type { WebLocks } from '../../src/index.js'

/**
 * navigator.locks as a browser keeps it for one origin, in exclusive mode: each name held by one
 * callback at a time, the others queued in order; a request whose signal aborts while queued
 * leaves the queue and rejects with the signal's reason. Share one between two createWebLock()s
 * for two tabs.
 */
export function fakeWebLocks(): WebLocks {
  const tails = new Map<string, Promise<void>>()
  return {
    async request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T> {
      options.signal?.throwIfAborted()
      const previous = tails.get(name) ?? Promise.resolve()
      let release!: () => void
      const tail = new Promise<void>((resolve) => (release = resolve))
      const mine = previous.then(() => tail)
      tails.set(name, mine)
      try {
        await waitUnlessAborted(previous, options.signal)
      } catch (reason) {
        // Given up while queued: the next in line waits for the one before only.
        release()
        throw reason
      }
      try {
        return await callback()
      } finally {
        release()
        if (tails.get(name) === mine) tails.delete(name)
      }
    },
  }
}

function waitUnlessAborted(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return turn
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    void turn.then(() => {
      signal.removeEventListener('abort', onAbort)
      if (signal.aborted) reject(signal.reason)
      else resolve()
    })
  })
}
