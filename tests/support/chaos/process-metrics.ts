import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** What /proc says about one process at one moment (Linux only). */
export interface ProcessSample {
  pid: number;
  /** Resident set size, in KiB (VmRSS), 0 when the process is gone. */
  rssKiB: number;
  /** Open file descriptors. */
  fds: number;
  /** Established TCP connections to each port asked for (its PostgreSQL's, its Redis's). */
  connections: Record<number, number>;
}

/** RSS, open fds and established connections to `ports` of `pid`; zeros once it is gone. */
export function sampleProcess(pid: number, ports: readonly number[]): ProcessSample {
  const connections = Object.fromEntries(ports.map((port) => [port, 0]));
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const inodes = new Set<string>();
    const fds = readdirSync(`/proc/${pid}/fd`);
    for (const fd of fds) {
      try {
        const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (socket) inodes.add(socket);
      } catch {
        // closed between readdir and readlink: it is not open any more, so it does not count
      }
    }
    for (const table of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // sl local_address rem_address st … inode (the 10th field)
        if (fields.length < 10 || fields[3] !== '01' || !inodes.has(fields[9]!)) continue;
        const remotePort = parseInt(fields[2]!.split(':')[1] ?? '', 16);
        if (remotePort in connections) connections[remotePort]!++;
      }
    }
    return { pid, rssKiB, fds: fds.length, connections };
  } catch {
    return { pid, rssKiB: 0, fds: 0, connections }; // the process is gone
  }
}
