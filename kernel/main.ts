/**
 * The cdlab kernel process: `node dist/kernel/main.js --connection-file FILE`.
 * (Minimal launcher: tslab's server and handler, with cdlab's module resolution.)
 */
import path from "node:path";
import { installResolution } from "./resolve";

export function startKernel(connectionFile: string): void {
  const ts = require("@tslab/typescript-for-tslab");
  installResolution(ts, process.cwd());
  const { createConverter } = require("tslab/dist/converter");
  const { createExecutor } = require("tslab/dist/executor");
  const { ZmqServer, JupyterHandlerImpl } = require("tslab/dist/jupyter");
  let node: unknown;
  const convs = {
    get node() {
      return (node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return this.node;
    },
    close() {},
  };
  convs.node;
  const executor = createExecutor(process.cwd(), convs, { log: console.log, error: console.error });
  const server = new ZmqServer(new JupyterHandlerImpl(executor, false), path.resolve(connectionFile));
  process.on("SIGINT", () => executor.interrupt());
  server.init();
}

if (require.main === module) {
  const i = process.argv.indexOf("--connection-file");
  startKernel(process.argv[i + 1]);
}
