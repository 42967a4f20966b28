// The contract suites as a third party runs them against its own store and lock, from the installed
// package alone: grantflow/testing's runStoreContract and runLockContract, given a runner's
// `describe` and `it` (here a minimal one, so the check needs no test framework), run against the
// memory store and the in-process lock grantflow ships. Exits 1 when a clause fails or none ran.
import { createInProcessLock, createMemoryStore } from 'grantflow'
import { runLockContract, runStoreContract } from 'grantflow/testing'

const tests = []
const prefix = []
const runner = {
  describe(name, body) {
    prefix.push(name)
    try {
      body()
    } finally {
      prefix.pop()
    }
  },
  it(name, body) {
    tests.push({ name: [...prefix, name].join(' › '), body })
  },
}

runStoreContract(runner, { name: 'memory store', create: () => createMemoryStore() })
runLockContract(runner, { name: 'in-process lock', create: () => createInProcessLock() })

const failed = []
for (const test of tests) {
  try {
    await test.body()
  } catch (error) {
    failed.push(`${test.name}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
  }
}
if (failed.length) console.error(failed.join('\n'))
console.log(`contract clauses passed: ${tests.length - failed.length}/${tests.length} (memory store, in-process lock)`)
process.exit(failed.length === 0 && tests.length > 0 ? 0 : 1)
