import { describe, expect, it, vi } from 'vitest'
import { createInProcessLock, createWebLock, type WebLocks } from '../../src/index.js'

describe('session locks', () => {
  it('run tasks of one key one at a time, and of different keys at once', async () => {
    const lock = createInProcessLock()
    const log: string[] = []
    const task = (name: string, ms: number) => () =>
      new Promise<string>((resolve) => {
        log.push(`start ${name}`)
        setTimeout(() => {
          log.push(`end ${name}`)
          resolve(name)
        }, ms)
      })
    await Promise.all([lock.runExclusive('a', task('a1', 20)), lock.runExclusive('a', task('a2', 1)), lock.runExclusive('b', task('b1', 1))])
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'))
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'))
  })

  it('release the lock when a task fails', async () => {
    const lock = createInProcessLock()
    await expect(lock.runExclusive('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await expect(lock.runExclusive('a', async () => 'next')).resolves.toBe('next')
  })

  it('name Web Locks after the session, so every tab shares them', async () => {
    const names: string[] = []
    const lock = createWebLock({ request: (name, _options, callback) => (names.push(name), callback()) })
    await lock.runExclusive('vat/sandbox/user%3Ame', async () => 1)
    expect(names).toEqual(['grantflow:vat/sandbox/user%3Ame'])
  })

  it('abort a task whose lease ran out and let the next holder in, while the task still ends on its own', async () => {
    const lock = createInProcessLock()
    const log: string[] = []
    let finishHung!: () => void
    const hung = lock.runExclusive(
      'a',
      ({ signal }) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => log.push(`aborted: ${(signal.reason as Error).name}`))
          finishHung = () => resolve('hung ended')
        }),
      { leaseMs: 20 },
    )
    const next = await lock.runExclusive('a', async ({ signal }) => (log.push('next ran'), signal.aborted))
    expect(next).toBe(false)
    expect(log).toEqual(['aborted: TimeoutError', 'next ran'])
    finishHung()
    await expect(hung).resolves.toBe('hung ended')
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
