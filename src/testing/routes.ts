// Route templates as the provider kit and the dev server's API declare them
// (`/organisations/vat/{vrn}/returns/{periodKey}`), matched against request paths. No MSW here:
// the dev server (Node) matches its routes with it too.

/** What a route needs to be matched: its method and path template. */
export interface RouteShape {
  method: string
  path: string
}

export interface CompiledRoute<R extends RouteShape = RouteShape> {
  route: R
  pattern: RegExp
  names: string[]
}

/** `'/vat/{vrn}/returns/{periodKey}'` → a pattern capturing one path segment per parameter. */
export function compileRoute<R extends RouteShape>(route: R): CompiledRoute<R> {
  if (!route.path.startsWith('/')) throw new TypeError(`provider kit: route path must start with "/": ${route.path}`)
  const names: string[] = []
  const source = route.path
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1]
      if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      names.push(name)
      return '([^/]+)'
    })
    .join('')
  return { route, pattern: new RegExp(`^${source}/?$`), names }
}

/** The first route for this method whose template matches the path, with its parameters decoded. */
export function matchRoute<R extends RouteShape>(
  routes: readonly CompiledRoute<R>[],
  method: string,
  path: string,
): { route: R; params: Record<string, string> } | undefined {
  for (const { route, pattern, names } of routes) {
    if (route.method !== method.toUpperCase()) continue
    const found = pattern.exec(path)
    if (!found) continue
    const params: Record<string, string> = {}
    names.forEach((name, index) => {
      params[name] = safeDecode(found[index + 1] ?? '')
    })
    return { route, params }
  }
  return undefined
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
