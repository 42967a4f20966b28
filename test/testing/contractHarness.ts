import type { ContractTestApi } from '../../src/testing/index.js'

/** How long a clause may run before it counts as hung: a broken lock can keep a holder waiting forever. */
const HUNG_AFTER_MS = 4_000

/** One clause of a contract suite, as it would have run under the runner. */
export interface ClauseOutcome {
  name: string
  /** What failed it (a ContractViolation, an error, `hung`), or undefined when it passed. */
  failure?: string
}

/**
 * Runs a contract suite as a runner would, clause by clause, and answers each clause's outcome:
 * how the repository checks that a broken store or lock fails the suite.
 */
export async function runClauses(register: (test: ContractTestApi) => void): Promise<ClauseOutcome[]> {
  const clauses: { name: string; body: () => Promise<void> }[] = []
  register({ describe: (_name, body) => body(), it: (name, body) => void clauses.push({ name, body }) })
  const outcomes: ClauseOutcome[] = []
  for (const { name, body } of clauses) {
    let timer: ReturnType<typeof setTimeout> | undefined
    const hung = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), HUNG_AFTER_MS)))
    const failure = await Promise.race([
      body().then(
        () => undefined,
        (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
      ),
      hung,
    ])
    clearTimeout(timer)
    outcomes.push(failure === undefined ? { name } : { name, failure })
  }
  return outcomes
}

/** The names of the clauses that failed. */
export const failed = (outcomes: ClauseOutcome[]) => outcomes.filter((outcome) => outcome.failure !== undefined).map((outcome) => outcome.name)
