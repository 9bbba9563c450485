import { validatePort } from "../../runtime/errors";
import { parseTimeout } from "../sockets";
import { tcpRequest } from "../../net/tcp";
import { defineCommand } from "../command";

const usage = `Usage: cdlab tcp-client <message> <host> [port] [--timeout MS]

The lecture's TCPClient: connects to <host>:<port>, sends <message> with writeUTF,
reads the reply with readUTF and prints "Received: <reply>".
  port          server port (default 7896)
  --timeout MS  give up when no reply arrives within MS milliseconds (default: wait, as Java does)`;

export const command = defineCommand({
  name: "tcp-client",
  summary: "send one writeUTF message and print the reply, like the lecture's TCPClient",
  usage,
  options: { timeout: { type: "string" } },
  positionals: { min: 2, max: 3 },
  negativeNumbers: true,
  async run({ values, positionals: [message, host, portArg] }) {
    const port = validatePort(portArg ?? 7896);
    const timeoutMs = parseTimeout(values.timeout, undefined);
    console.log(`Received: ${await tcpRequest(message, { host, port, timeoutMs })}`);
    return 0;
  },
});
