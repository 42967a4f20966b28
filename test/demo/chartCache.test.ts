// The demo's charts after a reload (a redirect consent's return): the chart laid out before is
// shown from the tab's storage without laying out again, and a changed definition is laid out anew.
import { expect, test } from 'vitest'
import { createMachine, type AnyStateMachine } from 'xstate'
import { callWizardMachine, tokenSessionMachine } from 'grantflow/machines'
import { laidOutChart, type ChartStorage } from '../../src/demo/devtools/chartCache.js'
import { layoutChart, type Chart } from '../../src/demo/devtools/chartLayout.js'

/** A tab's sessionStorage as the page sees it across a reload: the same entries, as strings. */
function tabStorage(): ChartStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>()
  return { entries, getItem: (key) => entries.get(key) ?? null, setItem: (key, value) => void entries.set(key, String(value)) }
}

/** elkjs's layout, with the machines it was asked to lay out recorded. */
function recordingLayout() {
  const laidOut: string[] = []
  const layout = (machine: AnyStateMachine): Promise<Chart> => {
    laidOut.push(machine.root.id)
    return layoutChart(machine)
  }
  return { laidOut, layout }
}

test('shows the chart laid out before the reload without laying it out again', async () => {
  const storage = tabStorage()
  const before = recordingLayout()
  const first = await laidOutChart(callWizardMachine, storage, before.layout)
  const session = await laidOutChart(tokenSessionMachine, storage, before.layout)
  expect(before.laidOut).toEqual([callWizardMachine.root.id, tokenSessionMachine.root.id])

  // The page loaded again (a new module instance would ask the same storage).
  const after = recordingLayout()
  expect(await laidOutChart(callWizardMachine, storage, after.layout)).toEqual(first)
  expect(await laidOutChart(tokenSessionMachine, storage, after.layout)).toEqual(session)
  expect(after.laidOut).toEqual([])
})

test('lays out anew a machine whose definition changed, and one whose kept chart is unreadable', async () => {
  const storage = tabStorage()
  const v1 = createMachine({ id: 'demoMachine', initial: 'a', states: { a: { on: { GO: 'b' } }, b: {} } })
  const v2 = createMachine({ id: 'demoMachine', initial: 'a', states: { a: { on: { GO: 'b' } }, b: { on: { BACK: 'c' } }, c: {} } })
  const recorded = recordingLayout()
  await laidOutChart(v1, storage, recorded.layout)
  const changed = await laidOutChart(v2, storage, recorded.layout)
  expect(recorded.laidOut).toEqual(['demoMachine', 'demoMachine'])
  expect(changed.nodes.map((node) => node.label).sort()).toEqual(['a', 'b', 'c'])

  for (const [key] of storage.entries) storage.setItem(key, '{"input": 42')
  await laidOutChart(v2, storage, recorded.layout)
  expect(recorded.laidOut).toHaveLength(3)
})

test('draws the chart when the storage refuses to keep it', async () => {
  const full: ChartStorage = {
    getItem: () => null,
    setItem: () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    },
  }
  const chart = await laidOutChart(tokenSessionMachine, full)
  expect(chart.nodes.length).toBeGreaterThan(0)
})
