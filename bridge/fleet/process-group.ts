import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Process groups: a stdio upstream is spawned as the leader of its own group (`detached: true`),
 * so the whole group (its children and their children) is signalled at once and none of them
 * outlives the upstream.
 */

const PROC = '/proc';
const POLL_MS = 25;

/**
 * Pids of the live processes in group `pgid`. On Linux it reads /proc and leaves out zombies: a
 * grandchild orphaned to a PID 1 that does not reap (as in many containers) stays a zombie
 * forever, yet it is dead, holds no pipe and cannot be signalled further. Elsewhere it can only
 * tell whether the group has any member: `[pgid]` or `[]`.
 */
export function liveGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync(PROC);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return groupExists(pgid) ? [pgid] : [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`${PROC}/${entry}/stat`, 'utf8');
    } catch (error) {
      // The process ended between readdir and read: it is not a member any more.
      if (['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '')) continue;
      throw error;
    }
    // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (Number(fields[2]) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

/** Whether any process (zombies included) is in group `pgid`. */
function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw error;
  }
}

/** Sends `signal` to every process of group `pgid`; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Resolves true once group `pgid` has no live member, false if it still has one after `ms`. */
export async function waitForGroupExit(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (liveGroupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
}

/**
 * Ends every process of group `pgid`: SIGTERM, then SIGKILL for what is left after `graceMs`.
 * Returns the pids still alive afterwards (normally none; a process in uninterruptible sleep
 * may take a moment longer).
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<number[]> {
  if (liveGroupMembers(pgid).length === 0) return [];
  if (!signalGroup(pgid, 'SIGTERM')) return [];
  if (await waitForGroupExit(pgid, graceMs)) return [];
  signalGroup(pgid, 'SIGKILL');
  // SIGKILL cannot be caught; what remains is the kernel finishing the job.
  await waitForGroupExit(pgid, Math.max(graceMs, 500));
  return liveGroupMembers(pgid);
}
