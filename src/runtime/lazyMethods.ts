/**
 * An object whose methods load their implementation on first call (each returns a promise):
 * the code behind them is not shipped with the page, and loads once for all of them.
 */
export function lazyMethods<T extends object, K extends keyof T>(load: () => Promise<T>, names: readonly K[]): Pick<T, K> {
  const methods = {} as Record<K, unknown>
  for (const name of names) methods[name] = async (...args: unknown[]) => ((await load())[name] as (...args: unknown[]) => unknown)(...args)
  return methods as Pick<T, K>
}
