import { describe, expect, it } from 'vitest'
import { createInProcessLock, type SessionLock } from '../../src/index.js'
import { runLockContract, type ClosableLock, type LockContractSubject } from '../../src/testing/index.js'
import { failed, runClauses } from './contractHarness.js'

// The lock contract must catch the mistakes a third-party lock makes: each lock here has one, and
// the suite must fail on it, by the clause that names it (a lock that keeps a holder waiting
// forever fails as hung).

type Flaw =
  | 'runs every holder at once'
  | 'has one lock for every key'
  | 'keeps the key after a failed task'
  | 'never aborts a holder at the end of its lease'
  | 'gives every holder the same fence'
  | 'close() stops no waiter'

const noSignal = () => new AbortController().signal

/** A lock with one flaw, built on the in-process lock. */
function flawedLock(flaw: Flaw): ClosableLock {
  const inner = createInProcessLock()
  const stuck = new Set<string>()
  const lock: SessionLock = {
    runExclusive(key, task, options) {
      switch (flaw) {
        case 'runs every holder at once':
          return task({ signal: noSignal() })
        case 'has one lock for every key':
          return inner.runExclusive('the-lock', task, options)
        case 'keeps the key after a failed task':
          if (stuck.has(key)) return new Promise(() => undefined)
          return inner.runExclusive(key, task, options).catch((error: unknown) => {
            stuck.add(key)
            throw error
          })
        case 'never aborts a holder at the end of its lease':
          return inner.runExclusive(key, (held) => task({ ...held, signal: noSignal() }), options)
        case 'gives every holder the same fence':
          return inner.runExclusive(key, (held) => task({ ...held, fence: 1, stillHeld: async () => true }), options)
        case 'close() stops no waiter':
          return inner.runExclusive(key, task, options)
      }
    },
  }
  return flaw === 'close() stops no waiter' ? { ...lock, close: async () => undefined } : lock
}

/** The clause each flaw must fail (by its name's beginning). */
const caughtBy: Record<Flaw, string> = {
  'runs every holder at once': 'runs one holder of a key at a time',
  'has one lock for every key': 'lets holders of different keys run at once',
  'keeps the key after a failed task': 'gives the key back when a task fails',
  'never aborts a holder at the end of its lease': 'ends a holder at the end of its lease',
  'gives every holder the same fence': 'runs one holder of a key at a time',
  'close() stops no waiter': 'once closed, stops its waiters',
}

describe('the lock contract', () => {
  it('passes a sound lock, every clause run', async () => {
    const outcomes = await runClauses((test) => runLockContract(test, { create: () => createInProcessLock() }))
    expect(outcomes.length).toBeGreaterThanOrEqual(4)
    expect(failed(outcomes)).toEqual([])
  })

  it.each(Object.entries(caughtBy))('fails a lock that %s, by the clause that says so', { timeout: 60_000 }, async (flaw, clause) => {
    const subject: LockContractSubject = {
      create: () => flawedLock(flaw as Flaw),
      fencing: flaw === 'gives every holder the same fence',
      closes: flaw === 'close() stops no waiter',
    }
    const outcomes = await runClauses((test) => runLockContract(test, subject))
    expect(failed(outcomes)).toContainEqual(expect.stringContaining(clause))
  })

  it('fails a lock that gives every holder the same fence on stillHeld() too: the holder whose lease ran out is told', async () => {
    const outcomes = await runClauses((test) => runLockContract(test, { create: () => flawedLock('gives every holder the same fence'), fencing: true }))
    expect(outcomes.find((outcome) => outcome.name.startsWith('ends a holder at the end of its lease'))?.failure).toMatch(/first still held: true/)
  })
})
