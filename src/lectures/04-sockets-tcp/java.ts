/**
 * The lecture's TCPServer (with its Connection thread) and TCPClient (Java, in `java/` beside this file, with
 * the slides' slips fixed), compiled and started from the notebook when the machine has a JDK.
 *
 * @example
 * ```ts
 * import { tcpJava, startJavaTcpServer } from "cdlab/lectures/04-sockets-tcp";
 * const java = await tcpJava();
 * if (java.available) {
 *   const server = await startJavaTcpServer(java);
 *   console.log((await java.run("TCPClient", ["olá", "localhost", String(server.port)])).stdout);
 *   await server.close();
 * }
 * ```
 */
import net from "node:net";
import path from "node:path";
import { freePort } from "../../net/free-port";
import { javaPrograms, type JavaPrograms } from "../../proc/compiled-programs";
import type { ChildHandle } from "../../proc/child";
import { PACKAGE_ROOT } from "../../runtime/root";
import { CdlabError } from "../../runtime/errors";

/** Where the lecture's TCP programs live. */
export const TCP_JAVA_DIR = path.join(PACKAGE_ROOT, "src", "lectures", "04-sockets-tcp", "java");

/**
 * The lecture's TCPServer and TCPClient, compiled (once per content) when `javac` exists.
 *
 * @returns their sources, `run` and `start`; `available: false` and a pt-BR `note` without a JDK
 */
export function tcpJava(): Promise<JavaPrograms> {
  return javaPrograms(TCP_JAVA_DIR);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/**
 * Start the lecture's `TCPServer` on a free port of 127.0.0.1 and wait until it accepts connections.
 *
 * @param java what {@link tcpJava} returned
 * @param options.timeoutMs how long to wait for the JVM to listen @default 15000
 * @returns the server's child process, with its `port`
 * @throws CdlabError `ENOENT` without a JDK, `ETIMEDOUT` when it never listens
 */
export async function startJavaTcpServer(java: JavaPrograms, options: { timeoutMs?: number } = {}): Promise<ChildHandle & { port: number }> {
  const { timeoutMs = 15000 } = options;
  const port = await freePort("tcp");
  const child = await java.start("TCPServer", [String(port)], { label: `java TCPServer (porta ${port})` });
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (Date.now() > deadline) {
      await child.close();
      throw new CdlabError("ETIMEDOUT", `O TCPServer Java não abriu a porta ${port} em ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return Object.assign(child, { port });
}
