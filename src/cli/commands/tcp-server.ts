import { invalidArg, validatePort } from "../../runtime/errors";
import { untilSignal } from "../sockets";
import { tcpServer } from "../../net/tcp";
import { defineCommand } from "../command";

const usage = `Usage: cdlab tcp-server [port] [--host ADDRESS] [--mode event-loop|thread]

The lecture's TCPServer: echoes every writeUTF message back with writeUTF,
until Ctrl-C (SIGINT) or SIGTERM.
  port            port to listen on (default 7896; 0 picks a free port)
  --host ADDRESS  address to bind (default 127.0.0.1)
  --mode MODE     event-loop (default) or thread (one worker thread per connection)
Prints "listening <host>:<port>" first.`;

export const command = defineCommand({
  name: "tcp-server",
  summary: "TCP echo server with writeUTF framing, like the lecture's TCPServer (port 7896)",
  usage,
  options: { host: { type: "string" }, mode: { type: "string" } },
  positionals: { min: 0, max: 1 },
  negativeNumbers: true,
  async run({ values, positionals: [portArg] }) {
    const port = validatePort(portArg ?? 7896);
    const mode = (values.mode as string | undefined) ?? "event-loop";
    if (mode !== "event-loop" && mode !== "thread") invalidArg("--mode", mode, 'expected "event-loop" or "thread"');
    const stop = untilSignal();
    const server = await tcpServer({ port, host: (values.host as string | undefined) ?? "127.0.0.1", mode });
    console.log(`listening ${server.host}:${server.port}`);
    await stop;
    await server.close();
    return 0;
  },
});
