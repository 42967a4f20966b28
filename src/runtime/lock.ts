/**
 * The lock behind single-flight refresh. In one process, the token session machine already
 * makes one refresh per session; the lock extends that across tabs (Web Locks) or server
 * instances (a distributed lock), without changing the machine.
 */
export interface SessionLock {
  /** Runs `task` while no other holder of `key` runs one. */
  runExclusive<T>(key: string, task: () => Promise<T>): Promise<T>
}

/** The default: a lock per key within this process. */
export function createInProcessLock(): SessionLock {
  const tails = new Map<string, Promise<unknown>>()
  return {
    async runExclusive(key, task) {
      const previous = tails.get(key) ?? Promise.resolve()
      const run = previous.then(task, task)
      const tail = run.catch(() => undefined)
      tails.set(key, tail)
      try {
        return await run
      } finally {
        if (tails.get(key) === tail) tails.delete(key)
      }
    },
  }
}

/** Minimal shape of the Web Locks API (navigator.locks), so it can be injected. */
export interface WebLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>
}

/**
 * A lock spanning every tab of the origin, through the Web Locks API: two tabs holding the same
 * session never refresh it at once, so a rotated refresh token is never sent twice.
 *
 * @example
 * createGrantflow({ ..., lock: createWebLock() })
 */
export function createWebLock(locks: WebLocks = (globalThis.navigator as unknown as { locks: WebLocks }).locks): SessionLock {
  return { runExclusive: (key, task) => locks.request(`grantflow:${key}`, task) }
}
