import { validatePort } from "../../runtime/errors";
import { negativesAsPositionals, parseTimeout } from "../sockets";
import { udpRequest } from "../../net/udp";
import { parse, type Command } from "../command";

const usage = `Usage: cdlab udp-client <message> <host> [port] [--timeout MS]

The lecture's UDPClient: sends <message> (UTF-8) in one datagram to <host>:<port>
and prints "Reply: <reply>".
  port          server port (default 6789)
  --timeout MS  give up when no reply arrives within MS milliseconds (default 5000)
Unlike Java's client, which prints its whole 1000-byte buffer (the reply followed
by NUL characters), this prints only the bytes received.`;

export const command: Command = {
  name: "udp-client",
  summary: "send one datagram and print the reply, like the lecture's UDPClient",
  usage,
  async run(argv) {
    const p = parse(negativesAsPositionals(argv, ["--timeout"]), { timeout: { type: "string" } }, { min: 2, max: 3 });
    if (p === "help") return void console.log(usage), 0;
    const [message, host, portArg] = p.positionals;
    const port = validatePort(portArg ?? 6789);
    const timeoutMs = parseTimeout(p.values.timeout, 5000);
    const reply = await udpRequest(message, { host, port, timeoutMs });
    console.log(`Reply: ${reply.text}`);
    return 0;
  },
};
