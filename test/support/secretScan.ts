/**
 * Where secrets can be found in a value: every path (`$.cause.response`, `$.context.tokens`) at
 * which a string holds one of `secrets` (as is or URL-encoded). The walk follows what code holding
 * the value could reach: own properties, enumerable or not (an Error's message, stack and cause),
 * getters, `toJSON()`, Map keys and values, Sets, URLSearchParams, Headers, URLs, byte arrays. A
 * Request or Response whose body is unread cannot be read here but still holds its body (a token
 * response), so it is reported as found whatever its body says.
 *
 * `skip` leaves values out of the walk (a live actor ref, which holds its session by design).
 *
 * @example
 * expect(findSecrets(error, [accessToken, refreshToken])).toEqual([])
 */
/**
 * XState's machine definitions hold no runtime data, and their toJSON() builds the whole definition
 * afresh on every node (quadratic in the machine): their own properties are walked, not toJSON().
 */
const MACHINE_DEFINITIONS = new Set(['StateMachine', 'StateNode'])

export function findSecrets(value: unknown, secrets: string[], options: { skip?: (value: object) => boolean } = {}): string[] {
  const needles = [...new Set(secrets.filter((s) => s.length > 0).flatMap((s) => [s, encodeURIComponent(s)]))]
  const found: string[] = []
  const seen = new WeakSet<object>()

  const visit = (item: unknown, path: string, fromToJSON = false): void => {
    if (typeof item === 'string') {
      if (needles.some((needle) => item.includes(needle))) found.push(path)
      return
    }
    if (typeof item !== 'object' && typeof item !== 'function') return
    if (item === null || seen.has(item)) return
    seen.add(item)
    if (options.skip?.(item)) return

    if (item instanceof URL) visit(item.href, `${path}.href`)
    if (item instanceof URLSearchParams || (typeof Headers !== 'undefined' && item instanceof Headers)) {
      for (const [name, v] of item as Iterable<[string, string]>) visit(`${name}=${v}`, `${path}[${JSON.stringify(name)}]`)
    }
    if ((typeof Response !== 'undefined' && item instanceof Response) || (typeof Request !== 'undefined' && item instanceof Request)) {
      if (item.body !== null && !item.bodyUsed) found.push(`${path} (a ${item.constructor.name} with an unread body)`)
      visit(item.url, `${path}.url`)
      visit(item.headers, `${path}.headers`)
    }
    if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) {
      const bytes = item instanceof ArrayBuffer ? new Uint8Array(item) : new Uint8Array(item.buffer, item.byteOffset, item.byteLength)
      visit(new TextDecoder().decode(bytes), `${path}(bytes)`)
      return
    }
    if (item instanceof Map) {
      let i = 0
      for (const [k, v] of item) {
        visit(k, `${path}.<key ${i}>`)
        visit(v, `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : `<key ${i}>`})`)
        i++
      }
    }
    if (item instanceof Set) {
      let i = 0
      for (const v of item) visit(v, `${path}.<item ${i++}>`)
    }
    // Functions are walked for their own properties only (a bound token in a closure is out of reach).
    for (const key of Reflect.ownKeys(item)) {
      if (typeof item === 'function' && (key === 'caller' || key === 'arguments')) continue
      let v: unknown
      try {
        v = Reflect.get(item, key)
      } catch {
        continue
      }
      visit(v, `${path}.${String(key)}`)
    }
    const toJSON = (item as { toJSON?: unknown }).toJSON
    // As JSON.stringify: what toJSON() returns is serialised as is, its own toJSON is not called.
    if (typeof toJSON === 'function' && typeof item === 'object' && !fromToJSON && !MACHINE_DEFINITIONS.has(item.constructor?.name ?? '')) {
      try {
        visit(toJSON.call(item), `${path}.toJSON()`, true)
      } catch {
        // A toJSON that throws shows nothing.
      }
    }
  }

  visit(value, '$')
  return found
}
