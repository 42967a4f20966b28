/**
 * The part of a test runner the contract suites use: `describe` and `it`, as vitest, jest, mocha
 * and `node:test` export them. The suites bring their own assertions (they throw a
 * {@link ContractViolation}), so grantflow/testing imports no runner at all.
 */
export interface ContractTestApi {
  describe(name: string, body: () => void): unknown
  it(name: string, body: () => Promise<void>): unknown
}

/** What a contract clause found wrong: the clause, what it expected and what it got. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation'
}

/**
 * Registers one clause: each test opens what it tests afresh, and hands it to `cleanup` after,
 * pass or fail, so no test sees another's data.
 */
export function clause<Opened>(
  test: ContractTestApi,
  name: string,
  open: () => Promise<Opened>,
  cleanup: ((opened: Opened) => Promise<void> | void) | undefined,
  body: (opened: Opened) => Promise<void>,
): void {
  test.it(name, async () => {
    const opened = await open()
    try {
      await body(opened)
    } finally {
      await cleanup?.(opened)
    }
  })
}
