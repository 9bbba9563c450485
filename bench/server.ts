/**
 * A Jupyter server for the benchmarks, started with the same command line as
 * `cdlab lab` (src/cli/jupyter.ts), with or without cdlab's no-delay server
 * extension, and a @jupyterlab/services client — the way JupyterLab talks to
 * a kernel (websocket through the server).
 */
import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { spawnJupyter } from "../src/cli/jupyter";

// ws ships no types here (no @types/ws); the services only need the constructor.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require("ws") as typeof globalThis.WebSocket;

export interface BenchServer {
  kernels: KernelManager;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start `jupyter server` on a free port.
 *
 * @param noDelay load cdlab_jupyter (TCP_NODELAY on kernel websockets)
 * @param jupyterPath JUPYTER_PATH with the benchmark's kernelspecs
 */
export async function startBenchServer(noDelay: boolean, jupyterPath: string): Promise<BenchServer> {
  const jupyter = await spawnJupyter({ app: "server", port: 0, root: os.tmpdir(), noDelay, env: { JUPYTER_PATH: jupyterPath } });
  const { url, token } = jupyter;
  const log = () => jupyter.log();
  // The extension logs while loading, before the server prints its URL.
  if (noDelay && !/cdlab_jupyter: TCP_NODELAY/.test(log())) {
    await jupyter.stop();
    throw new Error(`cdlab_jupyter was not loaded:\n${log()}`);
  }
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: url,
    wsUrl: url.replace(/^http/, "ws"),
    token,
    WebSocket,
    appendToken: true,
  });
  const kernels = new KernelManager({ serverSettings });
  await kernels.ready;
  return {
    kernels,
    process: jupyter.process,
    async stop() {
      await kernels.shutdownAll().catch(() => undefined);
      kernels.dispose();
      await jupyter.stop();
    },
  };
}

/** What {@link runCell} saw. */
export interface CellRun {
  status: string;
  /** The reply came but the idle status did not within the grace period (plain tslab drops one now and then). */
  lostIdle: boolean;
}

/**
 * Run `code`; resolves when both the reply and the idle status arrived, or
 * `graceMs` after the reply if the idle status never comes (then `lostIdle`).
 */
export function runCell(kernel: Kernel.IKernelConnection, code: string, graceMs = 2000): Promise<CellRun> {
  const future = kernel.requestExecute({ code, stop_on_error: false, allow_stdin: false });
  return new Promise<CellRun>((resolve, reject) => {
    let reply: KernelMessage.IExecuteReplyMsg["content"] | undefined;
    let idle = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (lostIdle: boolean) => {
      clearTimeout(grace);
      resolve({ status: reply!.status, lostIdle });
      if (lostIdle) future.dispose();
    };
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === "status" && (msg.content as { execution_state: string }).execution_state === "idle") {
        idle = true;
        if (reply) finish(false);
      }
    };
    future.onReply = (msg) => {
      reply = msg.content;
      if (idle) finish(false);
      else grace = setTimeout(() => finish(true), graceMs);
    };
    future.done.catch((e: unknown) => {
      clearTimeout(grace);
      if (!reply) reject(e);
    });
  });
}
