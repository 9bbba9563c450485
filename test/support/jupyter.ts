/**
 * A real `jupyter server` from .venv, started once per test run on a free port
 * with a token, and @jupyterlab/services connected to it. Stopped by the root
 * afterAll hook in setup.ts.
 *
 * @example
 * const server = await sharedServer();
 * const kernel = await server.startKernel();
 * const { reply, outputs } = await execute(kernel, "1 + 1");
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import WebSocket from "ws";
import { spawnJupyter } from "../../src/cli/jupyter";

export interface JupyterServer {
  url: string;
  token: string;
  process: ChildProcess;
  settings: ServerConnection.ISettings;
  kernels: KernelManager;
  /** Everything the server printed so far (stdout and stderr). */
  log(): string;
  /** Start a kernel (cdlab by default) and wait until it answers kernel_info. */
  startKernel(name?: string): Promise<Kernel.IKernelConnection>;
  stop(): Promise<void>;
}

let shared: Promise<JupyterServer> | undefined;

/** The run's shared server (started on first use). */
export function sharedServer(): Promise<JupyterServer> {
  return (shared ??= startServer());
}

/** Stop the shared server if one was started. */
export async function stopSharedServer(): Promise<void> {
  if (!shared) return;
  const s = await shared.catch(() => undefined);
  shared = undefined;
  await s?.stop();
}

/**
 * Start a new Jupyter server rooted at `root` (default: notebooks/); `app: "lab"`
 * starts JupyterLab (the UI) instead of the API-only server; `env` adds variables
 * (e.g. JUPYTERLAB_SETTINGS_DIR for a throwaway settings folder); `prestartSpare`
 * starts a warm spare kernel with the server (off here, so a test server costs no
 * spare unless its test asks).
 */
export async function startServer(
  root = path.resolve(__dirname, "..", "..", "notebooks"),
  options: { app?: "lab" | "server"; env?: NodeJS.ProcessEnv; prestartSpare?: boolean } = {},
): Promise<JupyterServer> {
  const { app = "server", env, prestartSpare = false } = options;
  const jupyter = await spawnJupyter({ app, port: 0, root, env, prestartSpare, startTimeoutMs: 30000 });
  const { url, token, process: child } = jupyter;
  const settings = ServerConnection.makeSettings({
    baseUrl: url,
    wsUrl: url.replace(/^http/, "ws"),
    token,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    appendToken: true,
  });
  const kernels = new KernelManager({ serverSettings: settings });
  await kernels.ready;
  return {
    url,
    token,
    process: child,
    settings,
    kernels,
    log: jupyter.log,
    async startKernel(name = "cdlab") {
      const k = await kernels.startNew({ name });
      await k.info;
      return k;
    },
    async stop() {
      try {
        await kernels.shutdownAll();
      } catch {
        /* server may be gone */
      }
      kernels.dispose();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** What one execute_request produced. */
export interface ExecuteResult {
  reply: KernelMessage.IExecuteReplyMsg["content"];
  /** iopub messages (stream, display_data, execute_result, error) in order. */
  outputs: KernelMessage.IIOPubMessage[];
  /** stdout text joined. */
  stdout: string;
  stderr: string;
}

/** Run `code` on `kernel` and collect its reply and outputs. */
export async function execute(
  kernel: Kernel.IKernelConnection,
  code: string,
  options: Partial<KernelMessage.IExecuteRequestMsg["content"]> = {},
): Promise<ExecuteResult> {
  const future = kernel.requestExecute({ code, stop_on_error: true, ...options });
  const outputs: KernelMessage.IIOPubMessage[] = [];
  future.onIOPub = (msg) => {
    if (["stream", "display_data", "execute_result", "error", "update_display_data"].includes(msg.header.msg_type)) outputs.push(msg);
  };
  const replyMsg = (await future.done) as KernelMessage.IExecuteReplyMsg;
  const text = (name: string) =>
    outputs
      .filter((m) => m.header.msg_type === "stream" && (m.content as { name: string }).name === name)
      .map((m) => (m.content as { text: string }).text)
      .join("");
  return { reply: replyMsg.content, outputs, stdout: text("stdout"), stderr: text("stderr") };
}
