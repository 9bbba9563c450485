/**
 * A TCP server of this process whose listening socket lives on a virtual host: a small program started on the
 * host (`listen-main`) opens it in the host's network namespace and passes it back over Node's IPC channel.
 * Connections accepted from it come through the virtual network (cuts and rate limits apply), while the code
 * that answers them runs here, in the notebook's kernel.
 */
import type net from "node:net";
import { CdlabError, systemError } from "../runtime/errors";
import type { ChildHandle, ChildOptions } from "../proc/child";

/**
 * Open a listening socket on a host.
 *
 * @param start starts the `listen-main` entry file on the host (see `VirtualHost.startProgram`)
 * @param file the `listen-main` entry file
 * @param port the port on the host (0: a free one)
 * @param hostName shown in errors
 * @returns the server, listening on 0.0.0.0:<port> of the host; the caller closes it
 * @throws CdlabError with the system's code (`EADDRINUSE`…) when the host cannot listen
 */
export async function listenOnHost(
  start: (file: string, options: ChildOptions) => Promise<ChildHandle>,
  file: string,
  port: number,
  hostName: string,
): Promise<net.Server> {
  const child = await start(file, { args: [String(port)], stdio: ["ignore", "ignore", "pipe", "ipc"], timeout: 15000, label: `abrindo a porta ${port} em ${hostName}` });
  let err = "";
  child.child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const got = await new Promise<{ port?: number; error?: string; server?: net.Server } | undefined>((resolve) => {
    child.child.once("message", (m: { port?: number; error?: string }, handle?: unknown) => resolve({ ...m, server: handle as net.Server | undefined }));
    void child.result.then(() => resolve(undefined));
  });
  await child.result;
  if (got?.server) return got.server;
  if (got?.error) throw systemError(`Não foi possível escutar na porta ${port} de ${hostName}`, Object.assign(new Error(got.error), { code: got.error }));
  throw new CdlabError("ERR_VNET", `Não foi possível escutar em ${hostName}: ${err.trim().split("\n").pop() || "o programa terminou sem responder"}`);
}
