/**
 * The lecture's UDPServer and UDPClient (Java, in `java/` beside this file, with the slides' slips fixed),
 * compiled and started from the notebook when the machine has a JDK.
 *
 * @example
 * ```ts
 * import { udpJava, startJavaUdpServer } from "cdlab/lectures/03-sockets-udp";
 * const java = await udpJava();
 * if (java.available) {
 *   const server = await startJavaUdpServer(java);
 *   console.log((await java.run("UDPClient", ["olá", "localhost", String(server.port)])).stdout);
 *   await server.close();
 * }
 * ```
 */
import path from "node:path";
import { freePort } from "../../net/free-port";
import { udpRequest } from "../../net/udp";
import { javaPrograms, type JavaPrograms } from "../../proc/compiled-programs";
import type { ChildHandle } from "../../proc/child";
import { PACKAGE_ROOT } from "../../runtime/root";
import { CdlabError } from "../../runtime/errors";

/** Where the lecture's UDP programs live. */
export const UDP_JAVA_DIR = path.join(PACKAGE_ROOT, "src", "lectures", "03-sockets-udp", "java");

/**
 * The lecture's UDPServer and UDPClient, compiled (once per content) when `javac` exists.
 *
 * @returns their sources, `run` and `start`; `available: false` and a pt-BR `note` without a JDK
 */
export function udpJava(): Promise<JavaPrograms> {
  return javaPrograms(UDP_JAVA_DIR);
}

/**
 * Start the lecture's `UDPServer` on a free port of 127.0.0.1 and wait until it echoes a datagram.
 *
 * @param java what {@link udpJava} returned
 * @param options.timeoutMs how long to wait for the JVM to answer @default 15000
 * @returns the server's child process, with its `port`
 * @throws CdlabError `ENOENT` without a JDK, `ETIMEDOUT` when it never answers
 */
export async function startJavaUdpServer(java: JavaPrograms, options: { timeoutMs?: number } = {}): Promise<ChildHandle & { port: number }> {
  const { timeoutMs = 15000 } = options;
  const port = await freePort("udp");
  const child = await java.start("UDPServer", [String(port)], { label: `java UDPServer (porta ${port})` });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answered = await udpRequest("", { port, timeoutMs: 200 }).then(() => true, () => false);
    if (answered) return Object.assign(child, { port });
    if (Date.now() > deadline) {
      await child.close();
      throw new CdlabError("ETIMEDOUT", `O UDPServer Java não respondeu na porta ${port} em ${timeoutMs} ms`);
    }
  }
}
