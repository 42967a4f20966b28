import type { InspectionEvent } from 'xstate'
import { callWizardMachine } from '../../../machines/callWizard.js'
import { createCoverage } from './coverage.js'
import type { WizardScenario } from './wizardScenarios.js'

export interface WizardCoverage {
  /** Pass as grantflow's `inspect` (createGrantflow): counts the transitions the app's wizards take. */
  inspect(event: InspectionEvent): void
  /** Counts a scenario's transitions as taken, once its test passed (for wizards in another process: a browser). */
  walked(scenario: WizardScenario): void
  /** Transitions no wizard took yet, as `grantflow/machines`' transitionKey names them. */
  missing(): string[]
  /** `N/M wizard transitions covered` */
  summary(): string
}

/**
 * Counts which of the call wizard's transitions an app's UI tests took, for the line
 * `N/M wizard transitions covered`: from grantflow's inspection (the wizard runs in the test's
 * process: Testing Library) or from the scenarios a test walked (Playwright, a browser).
 *
 * @example
 * const coverage = createWizardCoverage()
 * const grantflow = createGrantflow({ ...options, inspect: coverage.inspect })
 * afterAll(() => console.log(coverage.summary()))
 */
export function createWizardCoverage(): WizardCoverage {
  const coverage = createCoverage(callWizardMachine)
  return {
    inspect: coverage.inspect,
    walked: (scenario) => coverage.add(scenario.transitions),
    missing: coverage.missing,
    summary: () => `${coverage.taken.size}/${coverage.declared.size} wizard transitions covered`,
  }
}
