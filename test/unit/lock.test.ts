import { describe, expect, it } from 'vitest'
import { createInProcessLock, createWebLock } from '../../src/index.js'

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
})
