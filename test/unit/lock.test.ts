import { describe, expect, it, vi } from 'vitest'
import { createWebLock, type WebLocks } from '../../src/index.js'

// What the Web Lock does beyond the lock contract (test/testing/lockContract.test.ts): how it
// speaks to navigator.locks.

describe('session locks', () => {
  it('name Web Locks after the session, so every tab shares them', async () => {
    const names: string[] = []
    const lock = createWebLock({ request: (name, _options, callback) => (names.push(name), callback()) })
    await lock.runExclusive('vat/sandbox/user%3Ame', async () => 1)
    expect(names).toEqual(['grantflow:vat/sandbox/user%3Ame'])
  })

  it('give a Web Lock back when its lease runs out, and pass the wait signal to the browser', async () => {
    const held: Promise<unknown>[] = []
    const signals: (AbortSignal | undefined)[] = []
    const locks: WebLocks = {
      request: (_name, options, callback) => {
        signals.push(options.signal)
        const result = callback()
        held.push(result)
        return result
      },
    }
    const lock = createWebLock(locks)
    const controller = new AbortController()
    let aborted = false
    let finish!: () => void
    const task = lock.runExclusive(
      'vat/sandbox/user%3Ame',
      ({ signal }) =>
        new Promise<number>((resolve) => {
          signal.addEventListener('abort', () => (aborted = true))
          finish = () => resolve(7)
        }),
      { leaseMs: 20, signal: controller.signal },
    )
    // The browser sees the lock released once the lease runs out, though the task still runs.
    await vi.waitFor(() => expect(held).toHaveLength(1))
    await held[0]
    expect(aborted).toBe(true)
    expect(signals).toEqual([controller.signal])
    finish()
    await expect(task).resolves.toBe(7)
  })
})
