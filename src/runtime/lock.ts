/**
 * The lock behind single-flight refresh. In one process, the token session machine already
 * makes one refresh per session; the lock extends that across tabs (Web Locks) or server
 * instances (a distributed lock), without changing the machine.
 *
 * A holder keeps the lock for a lease at most: a task that hangs (a provider that never answers,
 * a lost instance) must not keep every other holder out. When the lease runs out, the task's
 * `signal` aborts (grantflow's token requests stop on it) and the next holder is let in.
 *
 * Every implementation passes `runLockContract` (grantflow/testing), as a lock of your own must.
 */
export interface SessionLock {
  /** Runs `task` while no other holder of `key` runs one, for `leaseMs` at most. */
  runExclusive<T>(key: string, task: (held: HeldLock) => Promise<T>, options?: LockOptions): Promise<T>
}

/** What a task holding the lock is given. */
export interface HeldLock {
  /** Aborts when the lease runs out: the task must stop, another holder may now run. */
  signal: AbortSignal
  /**
   * A distributed lock's fencing token: it grows with every holder of the key, so a write
   * tagged with it can be refused once a later holder wrote. Absent for locks within one
   * process or browser, where a holder cannot outlive its lease unseen.
   */
  fence?: number
  /**
   * Whether the lock is still this holder's (a distributed lock's lease can be lost to a stalled
   * process or a partition): checked before new tokens are written. Absent: it always is.
   */
  stillHeld?(): Promise<boolean>
}

export interface LockOptions {
  /** How long the lock is held at most (default {@link LOCK_LEASE_MS}). */
  leaseMs?: number
  /** Stops waiting for a Web Lock (the browser's `locks.request` signal): runExclusive rejects, the task never runs. */
  signal?: AbortSignal
}

/** How long a holder keeps a session's lock by default: the refresh's timeout, with room. */
export const LOCK_LEASE_MS = 60_000

/**
 * Runs `task` with a lease: `released` settles when the task does or the lease runs out,
 * whichever comes first (the task's signal aborts then); `result` is the task's own outcome.
 */
function leased<T>(task: (held: HeldLock) => Promise<T>, leaseMs = LOCK_LEASE_MS) {
  const controller = new AbortController()
  let expire!: () => void
  const expired = new Promise<void>((resolve) => (expire = resolve))
  const timer = setTimeout(() => {
    controller.abort(new DOMException('lease ran out', 'TimeoutError'))
    expire()
  }, leaseMs)
  const result = (async () => task({ signal: controller.signal }))().finally(() => clearTimeout(timer))
  return { result, released: Promise.race([result.then(noop, noop), expired]) }
}

const noop = () => undefined

/** The default: a lock per key within this process. */
export function createInProcessLock(): SessionLock {
  // The last holder in line for each key: the next one waits for it to end or its lease to run out.
  const tails = new Map<string, Promise<unknown>>()
  return {
    async runExclusive(key, task, options) {
      const previous = tails.get(key)
      let release!: () => void
      const tail = new Promise<void>((resolve) => (release = resolve))
      tails.set(key, tail)
      await previous
      const { result, released } = leased(task, options?.leaseMs)
      void released.then(() => {
        release()
        if (tails.get(key) === tail) tails.delete(key)
      })
      return result
    },
  }
}

/** Minimal shape of the Web Locks API (navigator.locks), so it can be injected. */
export interface WebLocks {
  request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>
}

/**
 * A lock spanning every tab of the origin, through the Web Locks API: two tabs holding the same
 * session never refresh it at once, so a rotated refresh token is never sent twice. The lease is
 * a timer: when it runs out the lock is given back to the browser, whatever the task does.
 *
 * @example
 * createGrantflow({ ..., lock: createWebLock() })
 */
export function createWebLock(locks: WebLocks = (globalThis.navigator as unknown as { locks: WebLocks }).locks): SessionLock {
  return {
    async runExclusive<T>(key: string, task: (held: HeldLock) => Promise<T>, options?: LockOptions): Promise<T> {
      let outcome: Promise<T> | undefined
      // The signal stops the wait (the browser's own); the lease is ours.
      await locks.request(`grantflow:${key}`, options?.signal ? { signal: options.signal } : {}, () => {
        const { result, released } = leased(task, options?.leaseMs)
        outcome = result
        return released
      })
      return outcome!
    },
  }
}
