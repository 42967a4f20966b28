// What every part of `npm run bench` measures with: medians, CPU and wall clocks, a part's result.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const median = (list: readonly number[]): number => {
  const sorted = [...list].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Microseconds of this process's CPU (user + system) spent by `fn`. */
export async function cpuMicros(fn: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage()
  await fn()
  const used = process.cpuUsage(start)
  return used.user + used.system
}

/** Milliseconds of wall time spent by `fn`. */
export async function wallMillis(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** One goal of the bench: what was measured, against what bound, and whether it held. */
export interface Goal {
  part: string
  name: string
  /** The figure as written in the report (with its unit). */
  measured: string
  /** The bound as written in the report. */
  goal: string
  met: boolean
  /** The figure as a number, for a goal that may have a ceiling in the short run (bench/ceilings.json). */
  value?: number
}

/** What one part hands back: its goals and the lines it reports. */
export interface PartResult {
  goals: Goal[]
  lines: string[]
}

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} kB`

/** A server in a process of its own (so its work does not share the client's event loop), started with tsx. */
export interface ChildServer<Info> {
  info: Info
  /** Sends a command and waits for its answer. */
  ask<T = unknown>(command: Record<string, unknown>): Promise<T>
  stop(): Promise<void>
}

export async function startChild<Info>(script: string, args: string[] = []): Promise<ChildServer<Info>> {
  const child: ChildProcess = fork(fileURLToPath(new URL(`../servers/${script}`, import.meta.url)), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 0
  const waiting = new Map<number, (value: unknown) => void>()
  const info = await new Promise<Info>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)))
    child.once('message', (message) => resolve((message as { ready: Info }).ready))
  })
  child.removeAllListeners('exit')
  child.on('message', (message) => {
    const { id, answer } = message as { id: number; answer: unknown }
    waiting.get(id)?.(answer)
    waiting.delete(id)
  })
  return {
    info,
    ask: <T>(command: Record<string, unknown>) =>
      new Promise<T>((resolve) => {
        const id = next++
        waiting.set(id, resolve as (value: unknown) => void)
        child.send({ id, ...command })
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill()
      }),
  }
}

/** In a child: answers the parent's commands; exits with the parent. */
export function serveCommands(ready: unknown, handle: (command: Record<string, unknown>) => unknown): void {
  process.on('message', async (message) => {
    const { id, ...command } = message as { id: number } & Record<string, unknown>
    process.send!({ id, answer: await handle(command) })
  })
  process.on('disconnect', () => process.exit(0))
  process.send!({ ready })
}
