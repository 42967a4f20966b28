import type { ChartNode } from './chartLayout.js'

export interface Point {
  x: number
  y: number
}

/** Where the line from a box's centre towards `toward` leaves the box. */
export function borderPoint(node: ChartNode, toward: Point): Point {
  const dx = toward.x - node.x
  const dy = toward.y - node.y
  if (dx === 0 && dy === 0) return { x: node.x, y: node.y }
  const scale = 1 / Math.max(Math.abs(dx) / (node.w / 2), Math.abs(dy) / (node.h / 2))
  return { x: node.x + dx * scale, y: node.y + dy * scale }
}

/** A path from one box to another: straight, or a quadratic curve through a control point. */
export function edgePath(from: ChartNode, to: ChartNode, control?: Point): { d: string; middle: Point } {
  const start = borderPoint(from, control ?? to)
  const end = borderPoint(to, control ?? from)
  if (!control) return { d: `M${start.x},${start.y} L${end.x},${end.y}`, middle: { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 } }
  const middle = { x: 0.25 * start.x + 0.5 * control.x + 0.25 * end.x, y: 0.25 * start.y + 0.5 * control.y + 0.25 * end.y }
  return { d: `M${start.x},${start.y} Q${control.x},${control.y} ${end.x},${end.y}`, middle }
}
