export interface Point {
  x: number
  y: number
}

/** An SVG path through a route's points. */
export function routePath(points: Point[]): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ')
}

/** The point halfway along a route, where its label sits. */
export function routeMiddle(points: Point[]): Point {
  const lengths = points.slice(1).map((p, i) => Math.hypot(p.x - points[i]!.x, p.y - points[i]!.y))
  let rest = lengths.reduce((a, b) => a + b, 0) / 2
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!
    if (rest <= length && length > 0) {
      const a = points[i]!
      const b = points[i + 1]!
      return { x: a.x + ((b.x - a.x) * rest) / length, y: a.y + ((b.y - a.y) * rest) / length }
    }
    rest -= length
  }
  return points[0] ?? { x: 0, y: 0 }
}
