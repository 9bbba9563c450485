/**
 * Starting one volunteer of the BOINC-like demo (`worker-main`): on this machine, or on a virtual host of a
 * `cdlab/vnet` network, where it reaches the coordinator through the virtual network. Either way it is a
 * registered child process that the coordinator (and the kernel) can kill.
 */
import { spawn } from "node:child_process";
import { makeHandle } from "../../runtime/handle";
import { isRunning } from "../../proc/child";
import { entryFile, programArgs } from "../../proc/program";
import type { VirtualHost } from "../../vnet";

/** One worker process. */
export interface VolunteerWorker {
  pid: number;
  /** The virtual host it runs on, or undefined when it runs on this machine. */
  host?: string;
  /** The address the coordinator sees its connection come from (set once it has said hello). */
  seenFrom?: string;
  /**
   * Kill it (as if the volunteer switched off their computer); does nothing once it has exited (Node's
   * `ChildProcess.kill` sends nothing after "exit", so a reused PID is never hit). @default "SIGKILL"
   */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start a volunteer on a virtual host; it connects to the coordinator at `address`:`port` through the network.
 *
 * @param port the coordinator's port
 * @param address the coordinator's address on the virtual network
 * @param host the virtual host to run it on
 * @returns the worker, a registered child process of the network
 */
export async function startHostVolunteer(port: number, address: string, host: VirtualHost): Promise<VolunteerWorker> {
  const h = await host.startProgram(entryFile(__dirname, "worker-main"), { args: [String(port), address], stdio: ["ignore", "ignore", "inherit"], timeout: 0, label: `voluntário em ${host.name}` });
  return {
    pid: h.pid,
    host: host.name,
    kill: (sig = "SIGKILL") => void h.kill(sig),
    exited: h.result.then((r) => ({ code: r.exitCode, signal: r.signal as NodeJS.Signals | null })),
  };
}

/**
 * Start a volunteer on this machine (synchronously: it is in the coordinator's list at once), connecting to
 * 127.0.0.1:`port`.
 *
 * @param port the coordinator's port
 * @returns the worker, registered with the kernel's resources
 */
export function startLocalVolunteer(port: number): VolunteerWorker {
  const child = spawn(process.execPath, [...programArgs(entryFile(__dirname, "worker-main")), String(port)], { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (!isRunning(child)) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once("exit", (code, sig) => resolve({ code, signal: sig }));
    child.once("error", () => resolve({ code: null, signal: null })); // could not start: no "exit" will come
  });
  const w: VolunteerWorker = {
    pid: child.pid as number,
    kill: (sig = "SIGKILL") => void child.kill(sig),
    exited,
  };
  makeHandle({}, {
    kind: "child-process",
    label: `voluntário PID ${w.pid}`,
    interrupt: () => w.kill("SIGINT"),
    ended: exited,
    release: async () => {
      w.kill("SIGKILL");
      await exited;
    },
  });
  return w;
}
