import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Vitest's order (the last run's failures, then the slowest), with the browser files first: they
 * are the longest, and one started last would run alone on a machine where the rest is done.
 */
export default class BrowserFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const inBrowser = (spec: TestSpecification) => spec.project.name === 'browser'
    return [...sorted.filter(inBrowser), ...sorted.filter((spec) => !inBrowser(spec))]
  }
}
