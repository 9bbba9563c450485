import { invalidArg, validatePort } from "../../runtime/errors";
import { negativesAsPositionals, untilSignal } from "../sockets";
import { tcpServer } from "../../net/tcp";
import { parse, type Command } from "../command";

const usage = `Usage: cdlab tcp-server [port] [--host ADDRESS] [--mode event-loop|thread]

The lecture's TCPServer: echoes every writeUTF message back with writeUTF,
until Ctrl-C (SIGINT) or SIGTERM.
  port            port to listen on (default 7896; 0 picks a free port)
  --host ADDRESS  address to bind (default 127.0.0.1)
  --mode MODE     event-loop (default) or thread (one worker thread per connection)
Prints "listening <host>:<port>" first.`;

export const command: Command = {
  name: "tcp-server",
  summary: "TCP echo server with writeUTF framing, like the lecture's TCPServer (port 7896)",
  usage,
  async run(argv) {
    const p = parse(
      negativesAsPositionals(argv, ["--host", "--mode"]),
      { host: { type: "string" }, mode: { type: "string" } },
      { min: 0, max: 1 },
    );
    if (p === "help") return void console.log(usage), 0;
    const port = validatePort(p.positionals[0] ?? 7896);
    const mode = (p.values.mode as string | undefined) ?? "event-loop";
    if (mode !== "event-loop" && mode !== "thread") invalidArg("--mode", mode, 'expected "event-loop" or "thread"');
    const stop = untilSignal();
    const server = await tcpServer({ port, host: (p.values.host as string | undefined) ?? "127.0.0.1", mode });
    console.log(`listening ${server.host}:${server.port}`);
    await stop;
    await server.close();
    return 0;
  },
};
