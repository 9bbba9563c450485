import { validatePort } from "../../runtime/errors";
import { negativesAsPositionals, parseTimeout } from "../sockets";
import { tcpRequest } from "../../net/tcp";
import { parse, type Command } from "../command";

const usage = `Usage: cdlab tcp-client <message> <host> [port] [--timeout MS]

The lecture's TCPClient: connects to <host>:<port>, sends <message> with writeUTF,
reads the reply with readUTF and prints "Received: <reply>".
  port          server port (default 7896)
  --timeout MS  give up when no reply arrives within MS milliseconds (default: wait, as Java does)`;

export const command: Command = {
  name: "tcp-client",
  summary: "send one writeUTF message and print the reply, like the lecture's TCPClient",
  usage,
  async run(argv) {
    const p = parse(negativesAsPositionals(argv, ["--timeout"]), { timeout: { type: "string" } }, { min: 2, max: 3 });
    if (p === "help") return void console.log(usage), 0;
    const [message, host, portArg] = p.positionals;
    const port = validatePort(portArg ?? 7896);
    const timeoutMs = parseTimeout(p.values.timeout, undefined);
    console.log(`Received: ${await tcpRequest(message, { host, port, timeoutMs })}`);
    return 0;
  },
};
