/**
 * A sync plugin tells other tabs or instances that this runtime saved new tokens for a session,
 * and tells this runtime when they did, so its live session adopts their tokens instead of
 * refreshing again or asking the user to consent again.
 *
 * Messages name a session key only, never a token: the receiving runtime reads the tokens from
 * its own store, so a plugin's channel (a BroadcastChannel, a Redis pub/sub) carries no secret.
 */
export interface SyncPlugin {
  /**
   * Called once by createGrantflow. `sessionChanged(key)` makes the runtime read that session
   * from its store and give its live session the tokens found there, when they are newer.
   * Returns what stops listening (called by `dispose()`).
   */
  connect(runtime: SyncedRuntime): (() => void) | void
  /** Called after this runtime saved new tokens for a session (a refresh, an exchange, a client credentials token). */
  tokensSaved(sessionKey: string): void
}

/** What a sync plugin may tell the runtime it is connected to. */
export interface SyncedRuntime {
  sessionChanged(sessionKey: string): void
}
