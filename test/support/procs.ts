/**
 * Leak checks read /proc: child processes of a PID, listening TCP ports of a PID. The process tree itself
 * (descendants, isAlive, killTree) comes from src/proc/tree.ts, the one reader of /proc/PID/stat.
 */
import fs from "node:fs";
import { descendants, procStat } from "../../src/proc/tree";

/** PIDs whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return descendants(pid).filter((c) => procStat(c)?.ppid === pid);
}

/** TCP ports in LISTEN state owned by sockets of process `pid`. */
export function listeningPorts(pid: number): number[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      fs
        .readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return "";
          }
        })
        .filter((l) => l.startsWith("socket:["))
        .map((l) => l.slice(8, -1)),
    );
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[] = [];
    try {
      lines = fs.readFileSync(f, "utf8").trim().split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === "0A" && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(":")[1], 16));
    }
  }
  return ports;
}
