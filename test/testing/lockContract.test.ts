import { describe, it } from 'vitest'
import { createInProcessLock, createWebLock } from '../../src/index.js'
import { createRedisLock } from '../../src/server/index.js'
import { runLockContract } from '../../src/testing/index.js'
import { fakeWebLocks } from '../support/fakeWebLocks.js'
import { testRedis, uniquePrefix } from '../support/redis.js'

// The lock contract grantflow/testing exports, run against every lock grantflow ships: the
// in-process default, the Web Lock (over a navigator.locks that two tabs share) and the Redis
// lock (two instances, each with its own connection).

runLockContract({ describe, it }, { name: 'in-process', create: () => createInProcessLock() })

runLockContract(
  { describe, it },
  {
    name: 'Web Locks, two tabs',
    stopsWaiting: true,
    create: () => {
      const locks = fakeWebLocks()
      return { lock: createWebLock(locks), twin: createWebLock(locks) }
    },
  },
)

runLockContract(
  { describe, it },
  {
    name: 'Redis, two instances',
    fencing: true,
    stopsWaiting: true,
    closes: true,
    create: async () => {
      const { url } = await testRedis()
      const prefix = uniquePrefix('lock-contract')
      return { lock: createRedisLock({ redis: url, prefix }), twin: createRedisLock({ redis: url, prefix }) }
    },
    cleanup: async ({ lock, twin }) => {
      await Promise.all([lock.close(), twin?.close()])
    },
  },
)
