/**
 * Loaded by mocha before every test file (.mocharc.json): warnings are failures (a deprecation or an unhandled
 * rejection must not pass silently), and after the last test the run checks that nothing is left open.
 *
 * The leak check runs as the very last root "after all" hook (appended once every file's own root hooks are
 * registered). It first stops the shared Jupyter server the suite keeps (test/support/jupyter.ts), then waits up to
 * two seconds for handles still closing, and fails naming every handle a test left open: servers and sockets with
 * their addresses, child processes with their pid and command, timers with where they were created. It then closes
 * what leaked, so the run still ends by itself, with the failure counted. `.mocharc.json` has no `exit: true`: a
 * handle the check cannot see keeps the process alive, and the guard below ends it with the list of what is active.
 */
import { describeLeaks, releaseLeaks, startTimerTracking } from "./leak-check";

process.on("warning", (w) => {
  if (w.name === "ExperimentalWarning") return;
  throw w;
});
process.on("unhandledRejection", (reason) => {
  throw reason instanceof Error ? reason : new Error(`Unhandled rejection: ${String(reason)}`);
});

startTimerTracking();

// @lumino/polling's Poll.dispose() leaves the poll's next tick scheduled: a timer of up to the poll's interval (10 s
// for @jupyterlab/services' kernel and session managers) that holds the process after the managers are disposed.
// Clear it on dispose, so the harness's disposed managers leave nothing behind.
{
  const { Poll } = require(require.resolve("@lumino/polling", { paths: [require.resolve("@jupyterlab/services")] })) as {
    Poll: { prototype: { dispose(): void; _timeout?: NodeJS.Timeout } };
  };
  const dispose = Poll.prototype.dispose;
  Poll.prototype.dispose = function (this: { _timeout?: NodeJS.Timeout }) {
    clearTimeout(this._timeout);
    return dispose.call(this);
  };
}

/** How long handles still closing get before they count as leaked. */
const SETTLE_MS = 2000;
/** How long the process may stay alive after the check before the guard ends it. */
const EXIT_GUARD_MS = 10_000;

async function stopSharedServer(): Promise<void> {
  const { stopSharedServer: stop } = require("./jupyter") as typeof import("./jupyter");
  await stop();
}

async function checkLeaks(): Promise<void> {
  await stopSharedServer();
  let leaks = describeLeaks();
  for (const until = Date.now() + SETTLE_MS; leaks.length && Date.now() < until; leaks = describeLeaks()) {
    await new Promise((r) => setTimeout(r, 50));
  }
  // If something the check cannot name still holds the process, say what is active and end it.
  const guard = setTimeout(() => {
    process.stderr.write(
      `\nThe test run did not end ${EXIT_GUARD_MS / 1000} s after its last test; still active: ` +
        `${process.getActiveResourcesInfo().join(", ")}\n`,
    );
    process.exit(process.exitCode || 1);
  }, EXIT_GUARD_MS);
  guard.unref();
  if (!leaks.length) return;
  releaseLeaks();
  throw new Error(`Left open after the tests (${leaks.length}):\n  - ${leaks.join("\n  - ")}`);
}

let appended = false;
export const mochaHooks = {
  beforeAll(this: Mocha.Context) {
    // Every test file is loaded by now, so a hook appended to the root suite runs after all of theirs.
    if (appended) return;
    appended = true;
    let root = this.test!.parent!;
    while (root.parent) root = root.parent;
    root.afterAll("leak check: nothing is left open", async function (this: Mocha.Context) {
      this.timeout(60_000);
      await checkLeaks();
    });
  },
};
