import { ContractViolation } from './testApi.js'

// The suites' own assertions, so they run under any runner. Equality is structural, as vitest's
// `toEqual` reads it: a property set to `undefined` is the same as one left out (a database row
// has no column for "absent").

/** Fails the clause unless `condition` holds. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new ContractViolation(what)
}

/** Fails the clause unless `actual` equals `expected`, structurally. */
export function checkEqual(actual: unknown, expected: unknown, what: string): void {
  if (!equal(actual, expected)) throw new ContractViolation(`${what}: expected ${describe(expected)}, got ${describe(actual)}`)
}

/** Fails the clause unless `actual` has every property of `expected` (deeply, lists item by item), whatever else it has. */
export function checkMatch(actual: unknown, expected: unknown, what: string): void {
  if (!matches(actual, expected)) throw new ContractViolation(`${what}: expected at least ${describe(expected)}, got ${describe(actual)}`)
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => equal(item, b[i]))
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((key) => equal(a[key], b[key]))
}

function matches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => matches(actual[i], item))
  if (!isObject(expected)) return equal(actual, expected)
  return isObject(actual) && Object.entries(expected).every(([key, value]) => matches(actual[key], value))
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}
