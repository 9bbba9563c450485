/**
 * A port nobody is using right now on 127.0.0.1, for a program that takes its port as an argument (the
 * lecture's Java servers): bind port 0, read the port the system chose, release it. Another process could
 * take it in between; on one machine that is rare, and the caller then gets EADDRINUSE.
 *
 * @example
 * ```ts
 * import { freePort } from "cdlab/net";
 * const port = await freePort("udp");
 * ```
 */
import dgram from "node:dgram";
import net from "node:net";
import { bindUdp } from "./datagram";

/**
 * @param kind "tcp" or "udp"
 * @returns a port number that was free a moment ago
 */
export async function freePort(kind: "tcp" | "udp"): Promise<number> {
  if (kind === "tcp") {
    const s = net.createServer();
    await new Promise<void>((resolve, reject) => s.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((resolve) => s.close(resolve));
    return port;
  }
  const s = dgram.createSocket("udp4");
  const port = await bindUdp(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
