/**
 * Loaded by mocha before every test file (.mocharc.json): warnings are failures
 * (a deprecation or an unhandled rejection must not pass silently), and the
 * shared Jupyter server (if a test started one) is stopped at the end.
 */
process.on("warning", (w) => {
  if (w.name === "ExperimentalWarning") return;
  throw w;
});
process.on("unhandledRejection", (reason) => {
  throw reason instanceof Error ? reason : new Error(`Unhandled rejection: ${String(reason)}`);
});

export const mochaHooks = {
  async afterAll(this: unknown) {
    const { stopSharedServer } = require("./jupyter") as typeof import("./jupyter");
    await stopSharedServer();
  },
};
