import fc from 'fast-check'
import { expect } from 'vitest'
import { GrantflowError } from '../../src/index.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { findSecrets } from '../support/secretScan.js'

// How the `bad input` line counts: each parser meets RUNS cases (1,000 by default; `npm run
// test:fuzz` raises it), and each case says which stages the code took it to. A step ends in a
// value, a typed GrantflowError that repeats no secret, or anything else: untyped, counted on the
// line and failing the parser's test once the run is over (every case is run, so the count is
// the count, not the first one).

/** Cases per parser. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000)
/** The suite runs one fixed seed, so a run in CI is one anyone can repeat; FUZZ_SEED=random explores. */
export const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20_261_201)
export const TEST_TIMEOUT_MS = 30_000 + RUNS * 20

/** How a parser step ended. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: GrantflowError } | { ok: false; untyped: unknown }

export interface Probe {
  /** Counts the case as having reached `stage` (once per case, however often it is said). */
  reached(stage: string): void
  /**
   * Runs one step of the parser: its value, or its typed refusal, checked here to repeat none of
   * `secrets` in its message, stack, cause or toJSON(); anything else thrown is counted untyped.
   */
  settle<R>(step: () => R | Promise<R>, secrets: readonly string[]): Promise<Settled<R>>
}

/**
 * Runs `check` over RUNS cases of `arbitrary` as one parser of the `bad input` line, labelled
 * `parser`, with a count for each of `stages`. Assertions in `check` (a token set a user could
 * not use, a refusal of the wrong class) fail the run at once, with fast-check's counterexample.
 */
export async function countCases<T>(
  context: FigureTask,
  parser: string,
  stages: readonly string[],
  arbitrary: fc.Arbitrary<T>,
  check: (input: T, probe: Probe) => Promise<void>,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(['cases', 'untyped', ...stages].map((key) => [key, 0]))
  recordFigure(context, { group: 'bad input', label: parser, counts })
  const untyped: Array<{ input: T; thrown: unknown }> = []
  await fc.assert(
    fc.asyncProperty(arbitrary, async (input) => {
      counts.cases! += 1
      const reached = new Set<string>()
      const probe: Probe = {
        reached(stage) {
          if (!stages.includes(stage)) throw new Error(`${parser} has no stage ${stage}`)
          reached.add(stage)
        },
        async settle(step, secrets) {
          try {
            return { ok: true, value: await step() }
          } catch (error) {
            if (error instanceof GrantflowError) {
              expect(findSecrets(error, [...secrets]), `${error.name} (${error.message}) repeats a secret`).toEqual([])
              return { ok: false, error }
            }
            counts.untyped! += 1
            if (untyped.length < 3) untyped.push({ input, thrown: error })
            return { ok: false, untyped: error }
          }
        },
      }
      await check(input, probe)
      for (const stage of reached) counts[stage]! += 1
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  )
  expect(untyped, `${parser}: ${counts.untyped} untyped (replay with FUZZ_SEED=${SEED})`).toEqual([])
  return counts
}

/** Asserts that at least `share` of the cases reached `stage`: the fuzz gets that far. */
export function expectShare(counts: Record<string, number>, stage: string, share: number): void {
  expect(counts[stage]!, `${stage}: ${counts[stage]} of ${counts.cases} cases`).toBeGreaterThanOrEqual(Math.floor(counts.cases! * share))
}
