import type { TaskMeta } from 'vitest'

/**
 * What a test tells the figures reporter about itself: which group's line it counts in, under
 * which label it is named when it fails, and the numbers or facts it measured. Whether it
 * passed is not said here: the reporter takes that from the test's own result, so a test that
 * throws or times out before it records anything more still counts, as a failure.
 */
export interface FigureRecord {
  /** The group's name, the start of its summary line: `faults`, `bad input`, `attacks`. */
  group: string
  /** How a failure is named on the line, e.g. `refresh × timeout`. */
  label: string
  /** Numbers the group's line adds up across tests, e.g. `{ cases: 10000, uncaught: 0 }`. */
  counts?: Record<string, number>
  /** Facts the test established (and asserted), e.g. `{ postNeverRepeated: true }`. */
  facts?: Record<string, boolean>
}

declare module 'vitest' {
  interface TaskMeta {
    figures?: FigureRecord[]
  }
}

/** The part of a test's context the figures need: vitest's `context.task`, whose `meta` reaches reporters. */
export interface FigureTask {
  task: { meta: TaskMeta }
}

/**
 * Counts this test in a group's summary line. Call it first thing in the test, so a test that
 * fails or times out is still counted (as failed); the returned record can be filled in later
 * with what the test measured.
 *
 * @example
 * it('refresh × timeout', async (context) => {
 *   const figure = recordFigure(context, { group: 'faults', label: 'refresh × timeout' })
 *   ...
 *   figure.facts = { pendingKept: true }
 * })
 */
export function recordFigure(context: FigureTask, record: FigureRecord): FigureRecord {
  const meta = context.task.meta
  meta.figures ??= []
  meta.figures.push(record)
  return record
}
