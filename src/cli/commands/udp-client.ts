import { validatePort } from "../../runtime/errors";
import { parseTimeout } from "../sockets";
import { udpRequest } from "../../net/udp";
import { defineCommand } from "../command";

const usage = `Usage: cdlab udp-client <message> <host> [port] [--timeout MS]

The lecture's UDPClient: sends <message> (UTF-8) in one datagram to <host>:<port>
and prints "Reply: <reply>".
  port          server port (default 6789)
  --timeout MS  give up when no reply arrives within MS milliseconds (default 5000)
Unlike Java's client, which prints its whole 1000-byte buffer (the reply followed
by NUL characters), this prints only the bytes received.`;

export const command = defineCommand({
  name: "udp-client",
  summary: "send one datagram and print the reply, like the lecture's UDPClient",
  usage,
  options: { timeout: { type: "string" } },
  positionals: { min: 2, max: 3 },
  negativeNumbers: true,
  async run({ values, positionals: [message, host, portArg] }) {
    const port = validatePort(portArg ?? 6789);
    const timeoutMs = parseTimeout(values.timeout, 5000);
    const reply = await udpRequest(message, { host, port, timeoutMs });
    console.log(`Reply: ${reply.text}`);
    return 0;
  },
});
