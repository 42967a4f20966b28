import { CancelledError } from '../../errors.js'
import type { HeldLock, SessionLock } from '../../runtime/lock.js'
import { check, checkEqual } from './assertions.js'
import { clause, type ContractTestApi } from './testApi.js'

/** A lock with a shutdown, as a distributed lock has. */
export type ClosableLock = SessionLock & { close?(): Promise<void> }

/** A lock opened for one test of the contract. */
export interface OpenedLock<L extends ClosableLock = ClosableLock> {
  lock: L
  /**
   * A second lock over the same keys, as another tab or server instance holds one (another Redis
   * connection). Without one, the lock stands in for both.
   */
  twin?: L
}

/** The lock under the contract, and what it says it does beyond it. */
export interface LockContractSubject<L extends ClosableLock = ClosableLock> {
  /** Named in the suite's title (default `session lock`). */
  name?: string
  /** A fresh lock for one test (a new key prefix, a new connection), or an {@link OpenedLock}. */
  create(): Promise<L | OpenedLock<L>> | L | OpenedLock<L>
  /** Called after each test, pass or fail, with what `create` opened: close its connections. */
  cleanup?(opened: OpenedLock<L>): Promise<void> | void
  /** Holders get a fencing token (`held.fence`), growing with every holder of a key, and `stillHeld()`: a distributed lock's. */
  fencing?: boolean
  /** `runExclusive` stops waiting when `options.signal` aborts: it rejects with the signal's reason and the task never runs. */
  stopsWaiting?: boolean
  /** The lock has `close()`: waiters stop and new tasks are refused with CancelledError, running holders finish and free their keys. */
  closes?: boolean
}

/** Long enough for any lock to hand a key over on a busy machine; short enough for a test's time. */
const LEASE_MS = 400

/**
 * The contract every session lock keeps, as grantflow's single-flight refresh relies on it: one
 * holder of a key at a time, across every instance sharing the lock, and holders of other keys at
 * once; the key given back when a task fails or its lease runs out (its signal aborts, and a late
 * end frees nothing of the next holder's); where the lock has them, growing fencing tokens, a
 * `stillHeld()` that tells a holder it lost the key, waiters that give up, and `close()`.
 *
 * @example
 * import { describe, it } from 'vitest'
 * import { runLockContract } from 'grantflow/testing'
 *
 * runLockContract({ describe, it }, {
 *   name: 'my etcd lock',
 *   create: () => ({ lock: createMyLock(), twin: createMyLock() }),
 *   cleanup: ({ lock, twin }) => Promise.all([lock.close(), twin!.close()]),
 *   fencing: true,
 *   closes: true,
 * })
 */
export function runLockContract<L extends ClosableLock>(test: ContractTestApi, subject: LockContractSubject<L>): void {
  const open = async (): Promise<OpenedLock<L>> => {
    const opened = await subject.create()
    return isLock(opened) ? { lock: opened } : opened
  }
  const it = (name: string, body: (locks: { lock: ClosableLock; twin: SessionLock }) => Promise<void>) =>
    clause(test, name, open, subject.cleanup, (opened) => body({ lock: opened.lock, twin: opened.twin ?? opened.lock }))

  test.describe(`session lock contract: ${subject.name ?? 'session lock'}`, () => {
    it("runs one holder of a key at a time, across instances, and answers each task's result", async ({ lock, twin }) => {
      const record = holders()
      const fences: (number | undefined)[] = []
      const stillHeld: boolean[] = []
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? twin : lock).runExclusive('session-1', async (held) => {
            fences.push(held.fence)
            if (held.stillHeld) stillHeld.push(await held.stillHeld())
            return record.hold(`task ${i}`)
          }),
        ),
      )
      checkEqual(
        results,
        Array.from({ length: 10 }, (_, i) => `task ${i}`),
        'what the holders answered',
      )
      checkEqual(record.most(), 1, 'holders of one key at the same time')
      check(!stillHeld.includes(false), 'stillHeld() answers true to a holder within its lease')
      if (subject.fencing) {
        check(
          fences.every((fence, i) => typeof fence === 'number' && (i === 0 || fence > fences[i - 1]!)),
          `each holder's fence larger than the one before: ${JSON.stringify(fences)}`,
        )
        checkEqual(stillHeld.length, fences.length, 'holders given stillHeld()')
      }
    })

    it('lets holders of different keys run at once', async ({ lock, twin }) => {
      // The first holder keeps its key until the second, of another key, has run: a lock that
      // made it wait would never end (the runner's timeout fails the test).
      let secondRan!: () => void
      const ran = new Promise<void>((resolve) => (secondRan = resolve))
      const first = lock.runExclusive('session-a', async () => (await ran, 'a'))
      const second = twin.runExclusive('session-b', async () => (secondRan(), 'b'))
      checkEqual(await Promise.all([first, second]), ['a', 'b'], 'what the holders of two keys answered')
    })

    it("gives the key back when a task fails, and answers the task's own error", async ({ lock, twin }) => {
      const failure = new Error('the refresh failed')
      const failed = await lock
        .runExclusive('session-1', async () => {
          throw failure
        })
        .then(
          () => 'resolved',
          (error: unknown) => error,
        )
      check(failed === failure, "runExclusive rejects with the task's own error")
      checkEqual(await twin.runExclusive('session-1', async () => 'next'), 'next', 'the next holder after a failed task')
      checkEqual(await lock.runExclusive('session-1', async () => 'again'), 'again', 'a holder on the first instance after a failed task')
    })

    it('ends a holder at the end of its lease: its signal aborts, the next holder gets in, and its late end frees nothing of the next', async ({
      lock,
      twin,
    }) => {
      const log: string[] = []
      let firstHeld!: HeldLock
      let endFirst!: () => void
      const firstEnds = new Promise<void>((resolve) => (endFirst = resolve))
      let firstIn!: () => void
      const firstHolds = new Promise<void>((resolve) => (firstIn = resolve))
      // The first ignores its signal past logging it, and ends only once a later holder has the key.
      const first = lock.runExclusive(
        'session-1',
        async (held) => {
          firstHeld = held
          log.push('first in')
          firstIn()
          await aborted(held.signal)
          log.push(`first aborted: ${(held.signal.reason as { name?: string } | undefined)?.name}`)
          await firstEnds
          return 'first ended'
        },
        { leaseMs: LEASE_MS },
      )
      // Failed early (a broken lock), the clause must not leave its rejection unhandled.
      first.catch(() => undefined)
      // Asked for once the first holds the key (a distributed lock may answer two asks in any order).
      await firstHolds
      let third: Promise<unknown> | undefined
      const second = twin.runExclusive('session-1', async (held) => {
        log.push(`second in${held.signal.aborted ? ', aborted' : ''}`)
        if (firstHeld.stillHeld) log.push(`first still held: ${await firstHeld.stillHeld()}`)
        endFirst()
        checkEqual(await first, 'first ended', "the first holder's own result, after its lease")
        // Asked for while the second holds the key, on the first's instance: it waits for the second.
        third = lock.runExclusive('session-1', async () => void log.push('third in'))
        third.catch(() => undefined)
        await pause(100)
        log.push('second out')
      })
      await second
      await third
      const expected = [
        'first in',
        'first aborted: TimeoutError',
        'second in',
        ...(firstHeld.stillHeld ? ['first still held: false'] : []),
        'second out',
        'third in',
      ]
      checkEqual(log, expected, 'what the holders did, in order')
    })

    if (subject.stopsWaiting)
      it('stops a waiter that gives up: it rejects with its signal’s reason, its task never runs, and the key stays usable', async ({ lock, twin }) => {
        let release!: () => void
        let holding!: () => void
        const held = new Promise<void>((resolve) => (holding = resolve))
        const holder = lock.runExclusive('session-1', () => (holding(), new Promise<string>((resolve) => (release = () => resolve('held')))))
        await held
        const giveUp = new AbortController()
        let ran = false
        const waiting = twin
          .runExclusive('session-1', async () => void (ran = true), { signal: giveUp.signal })
          .then(
            () => 'resolved',
            (error: unknown) => error,
          )
        const reason = new Error('the caller went away')
        reason.name = 'AbortError'
        giveUp.abort(reason)
        try {
          check((await waiting) === reason, 'the waiter rejects with its signal’s reason')
        } finally {
          // Released whatever the check found, so the lock can be closed after.
          release()
        }
        checkEqual(await holder, 'held', "the holder's result")
        checkEqual(await twin.runExclusive('session-1', async () => 'next'), 'next', 'the next holder after a waiter gave up')
        check(!ran, 'the task of a waiter that gave up never ran')
      })

    if (subject.closes) {
      it('once closed, stops its waiters and refuses new tasks with CancelledError: their tasks never run', async ({ lock, twin }) => {
        check(lock.close, 'a lock that closes has close()')
        let release!: () => void
        let holding!: () => void
        const held = new Promise<void>((resolve) => (holding = resolve))
        // Another instance holds the key; this one waits for it when it shuts down.
        const holder = twin.runExclusive('session-1', () => (holding(), new Promise<void>((resolve) => (release = resolve))))
        await held
        let ran = false
        const waiting = lock
          .runExclusive('session-1', async () => void (ran = true))
          .then(
            () => 'resolved',
            (error: unknown) => error,
          )
        // Given a moment to start waiting (polling, queued), as a shutdown finds it.
        await pause(50)
        try {
          await lock.close()
          check(isCancelled(await waiting), 'a waiter of a closed lock rejects with CancelledError')
          check(
            isCancelled(await lock.runExclusive('session-2', async () => 'ran').catch((error: unknown) => error)),
            'a task asked of a closed lock rejects with CancelledError',
          )
        } finally {
          release()
        }
        await holder
        check(!ran, 'the task of a waiter stopped by close() never ran')
      })

      it('while closing, lets its running holder finish, then frees its key for another instance', async ({ lock, twin }) => {
        check(lock.close, 'a lock that closes has close()')
        let finish!: () => void
        let holding!: () => void
        const held = new Promise<void>((resolve) => (holding = resolve))
        const holder = lock.runExclusive('session-1', () => (holding(), new Promise<string>((resolve) => (finish = () => resolve('saved')))))
        await held
        const closed = lock.close()
        finish()
        await closed
        checkEqual(await holder, 'saved', 'the running holder’s result')
        if (twin !== lock) checkEqual(await twin.runExclusive('session-1', async () => 'next'), 'next', 'another instance after the close')
      })
    }
  })
}

/** Counts who holds a key at once, so overlapping holders show. */
function holders() {
  let active = 0
  let most = 0
  return {
    most: () => most,
    async hold(name: string) {
      active++
      most = Math.max(most, active)
      // A few turns of the event loop and a timer: long enough for an overlapping holder to start.
      await pause(5)
      active--
      return name
    },
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function isLock<L extends ClosableLock>(value: L | OpenedLock<L>): value is L {
  return typeof (value as L).runExclusive === 'function'
}

function isCancelled(error: unknown): boolean {
  return error instanceof CancelledError || (error as { name?: unknown } | null)?.name === 'CancelledError'
}
