import type { Reporter, TestModule, Vitest } from 'vitest/node'
import { summaryLine, type FigureEntry } from './figureGroups.js'

/**
 * Prints one line per figures group at the end of the run (`faults: 90/90 pairs recovered, ...`),
 * from the records tests attach to `context.task.meta.figures` (see recordFigure). Meta travels
 * with each test's result from the worker, whatever the pool, so nothing is written to disk.
 * A record counts as passed only if its test passed.
 */
export default class FiguresReporter implements Reporter {
  private log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)

  onInit(vitest: Vitest): void {
    this.log = (line) => vitest.logger.log(line)
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const groups = new Map<string, FigureEntry[]>()
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const passed = test.result().state === 'passed'
        for (const record of test.meta().figures ?? []) {
          const entries = groups.get(record.group) ?? []
          entries.push({ ...record, passed })
          groups.set(record.group, entries)
        }
      }
    }
    if (!groups.size) return
    this.log('')
    for (const [group, entries] of groups) this.log(summaryLine(group, entries))
  }
}
