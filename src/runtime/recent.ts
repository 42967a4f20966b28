// What a runtime remembers of past callbacks (their completions, the states spent), bounded: the
// recent ones answer a double mount or a reload; a runtime that lives for days keeps no more.

/** How many callbacks a runtime remembers. */
export const RECENT_CALLBACKS = 64

/** Drops the oldest entries of a Map or Set (insertion order) beyond `limit`. */
export function forgetOldest(recent: Map<string, unknown> | Set<string>, limit = RECENT_CALLBACKS): void {
  for (const key of recent.keys()) {
    if (recent.size <= limit) return
    recent.delete(key)
  }
}
