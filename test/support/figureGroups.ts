import type { FigureRecord } from './figures.js'

/** A record as the reporter sees it: what the test said, and whether the test passed. */
export interface FigureEntry extends FigureRecord {
  passed: boolean
}

/** How one group's summary line reads: `faults: 90/90 pairs recovered, ...` after the group's name. */
export type GroupSummary = (entries: FigureEntry[]) => string

const number = (n: number) => n.toLocaleString('en-GB')
const sum = (entries: FigureEntry[], key: string) => entries.reduce((total, entry) => total + (entry.counts?.[key] ?? 0), 0)

/** ` — FAILED: a, b, c` naming every failed test, or nothing when none failed. */
export function failedList(entries: FigureEntry[]): string {
  const failed = entries.filter((entry) => !entry.passed).map((entry) => entry.label)
  return failed.length ? ` — FAILED: ${failed.join(', ')}` : ''
}

/**
 * A fact claimed on the line only when every test that measured it passed and found it true;
 * otherwise the line says where it was not established.
 */
export function factClause(entries: FigureEntry[], fact: string, holds: string, broken: string): string {
  const measured = entries.filter((entry) => entry.facts?.[fact] !== undefined)
  // A test declares the facts it checks as false first: one that failed before establishing them counts against.
  const failing = measured.filter((entry) => !entry.passed || entry.facts?.[fact] !== true)
  if (!measured.length) return `${holds}: not measured`
  return failing.length ? `${broken} in ${failing.length}/${measured.length}` : `${holds} (${measured.length}/${measured.length})`
}

/** The stages a `bad input` parser counts, as its line words them. */
const BAD_INPUT_STAGES: Array<[string, string]> = [
  ['pastStateAndIss', 'past state and iss'],
  ['exchanged', 'exchanged'],
  ['producedTokens', 'produced tokens'],
  ['refusals', 'refusals to act on'],
  ['refusedTyped', 'refused typed'],
  ['parsed', 'parsed'],
  ['withTokens', 'read back with tokens'],
]

/** Default line for a group without its own: `N/M passed — FAILED: ...`. */
export const passedCount: GroupSummary = (entries) => `${entries.filter((e) => e.passed).length}/${entries.length} passed${failedList(entries)}`

/**
 * The groups with their own wording. To add a group, record figures with its name from a test
 * file (`recordFigure(context, { group: 'attacks', label })`); add an entry here only to word
 * its line differently from `passedCount`.
 */
export const GROUP_SUMMARIES: Record<string, GroupSummary> = {
  faults: (entries) =>
    [
      `${entries.filter((e) => e.passed).length}/${entries.length} pairs recovered`,
      factClause(entries, 'pendingKept', 'pending call kept', 'pending call NOT shown kept'),
      factClause(entries, 'postNotRepeated', 'POST never repeated', 'POST NOT shown sent once'),
    ].join(', ') + failedList(entries),
  'bad input': (entries) => {
    // One entry per parser (badInputCount.ts): its cases and how many reached each of its stages.
    const parsers = [...new Map(entries.filter((e) => e.counts?.cases !== undefined).map((e) => [e.label, e])).values()]
    const each = parsers.map(({ label, counts = {} }) => {
      const stages = BAD_INPUT_STAGES.filter(([key]) => counts[key] !== undefined).map(([key, words]) => `${number(counts[key]!)} ${words}`)
      return `${label} ${number(counts.cases!)}${stages.length ? ` (${stages.join(', ')})` : ''}`
    })
    return `${parsers.length} parser${parsers.length === 1 ? '' : 's'}, ${number(sum(parsers, 'cases'))} cases; ${each.join('; ')}; ${number(sum(entries, 'untyped'))} untyped${failedList(entries)}`
  },
  attacks: (entries) => {
    // An attack counts as rejected only where its test passed: every refusal and scan held.
    const rejected = entries.filter((e) => e.passed && e.facts?.rejected === true).length
    return `${rejected}/${entries.length} rejected, ${number(sum(entries, 'tokenChanges'))} token changes${failedList(entries)}`
  },
  // Refusals only the provider can make (a code's PKCE, an API's own tokens): not attacks grantflow refused.
  'provider checks': (entries) => {
    const refused = entries.filter((e) => e.passed && e.facts?.rejected === true).length
    return `${refused}/${entries.length} refused by the provider, grantflow's part checked, ${number(sum(entries, 'tokenChanges'))} token changes${failedList(entries)}`
  },
}

/** The line a group prints. */
export function summaryLine(group: string, entries: FigureEntry[]): string {
  return `${group}: ${(GROUP_SUMMARIES[group] ?? passedCount)(entries)}`
}
