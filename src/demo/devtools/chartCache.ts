// The charts as laid out before, kept in the tab's sessionStorage. A redirect consent leaves the
// page and loads it again; laying the charts out anew then meant importing elkjs (1.6 MB) and
// running its layout on the main thread while the page completes the authorization and replays
// the call, and the chart said "Laying out…" for seconds after the return. The layout is a
// function of the machine's definition alone, so the one kept for the same ELK input is the
// chart elkjs would draw again: shown at once, and elkjs is not loaded at all.
import type { AnyStateMachine } from 'xstate'
import { elkGraphOf, layoutChart, type Chart } from './chartLayout.js'

const KEY_PREFIX = 'grantflow-demo:chart:'

interface KeptChart {
  /** The ELK input it was laid out from, as JSON: another definition does not match it. */
  input: string
  chart: Chart
}

/** Where charts are kept: the tab's sessionStorage in the demo, any Storage in a test. */
export type ChartStorage = Pick<Storage, 'getItem' | 'setItem'>

/**
 * A machine's chart: the one kept for its current definition if there is one, else laid out
 * (`layout`, elkjs by default) and kept. A storage that is full or refuses (a private window)
 * only means laying out again next time.
 *
 * @example
 * const chart = await laidOutChart(callWizardMachine, window.sessionStorage)
 */
export async function laidOutChart(
  machine: AnyStateMachine,
  storage: ChartStorage | undefined,
  layout: (machine: AnyStateMachine) => Promise<Chart> = layoutChart,
): Promise<Chart> {
  const key = KEY_PREFIX + machine.root.id
  const input = JSON.stringify(elkGraphOf(machine))
  const kept = readKept(storage, key)
  if (kept?.input === input) return kept.chart
  const chart = await layout(machine)
  try {
    storage?.setItem(key, JSON.stringify({ input, chart } satisfies KeptChart))
  } catch {
    // Full or refused: the chart is drawn all the same, and laid out again after the next load.
  }
  return chart
}

function readKept(storage: ChartStorage | undefined, key: string): KeptChart | undefined {
  try {
    const value = JSON.parse(storage?.getItem(key) ?? 'null') as Partial<KeptChart> | null
    const chart = value?.chart
    if (typeof value?.input !== 'string' || !chart || !Array.isArray(chart.nodes) || !Array.isArray(chart.edges)) return undefined
    return { input: value.input, chart }
  } catch {
    return undefined
  }
}
