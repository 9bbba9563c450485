/**
 * src/cli/command.ts alone: defineCommand parses a command's arguments before its `run` sees them; and every
 * command in src/cli/commands answers --help and refuses an unknown flag (in this process: no command runs,
 * console.log is captured for --help; test/cli/cli.test.ts checks how bin/cdlab.js prints them).
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { defineCommand, UsageError, type Command, type Parsed } from "../../src/cli/command";

/** A command that records what its `run` received. */
function recorder(spec: { negativeNumbers?: boolean } = {}) {
  const calls: Parsed[] = [];
  const command = defineCommand({
    name: "demo",
    summary: "a demo",
    usage: "Usage: cdlab demo [port] [--host ADDRESS] [--verbose]",
    options: { host: { type: "string" }, verbose: { type: "boolean" } },
    positionals: { min: 0, max: 1 },
    ...spec,
    async run(args) {
      calls.push(args);
      return 7;
    },
  });
  return { command, calls };
}

/** Run `fn` with console.log captured. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  try {
    return { code: await fn(), out };
  } finally {
    console.log = log;
  }
}

describe("cli/command: defineCommand", function () {
  it("hands run the parsed values and positionals, and returns run's exit code", async function () {
    const { command, calls } = recorder();
    expect(await command.run(["80", "--host", "10.0.0.1", "--verbose"])).to.equal(7);
    expect(calls).to.have.length(1);
    expect(calls[0].positionals).to.deep.equal(["80"]);
    expect(calls[0].values).to.include({ host: "10.0.0.1", verbose: true });
    expect({ name: command.name, summary: command.summary }).to.deep.equal({ name: "demo", summary: "a demo" });
  });

  it("--help prints the usage and exits 0 without running the command", async function () {
    const { command, calls } = recorder();
    const { code, out } = await capture(() => command.run(["--help"]));
    expect(code).to.equal(0);
    expect(out).to.deep.equal([command.usage]);
    expect(calls).to.have.length(0);
  });

  it("unknown flags and a wrong number of positionals are usage errors, before run", async function () {
    const { command, calls } = recorder();
    for (const argv of [["--bogus"], ["1", "2"]]) {
      let err: unknown;
      await command.run(argv).catch((e) => (err = e));
      expect(err, argv.join(" ")).to.be.instanceOf(UsageError);
    }
    expect((await command.run(["--bogus"]).catch((e: Error) => e)) as Error).to.have.property("message", "Unknown option '--bogus'");
    expect(calls).to.have.length(0);
  });

  it("negativeNumbers: -1 is a positional, and an option that takes a value (known from `options`) keeps it", async function () {
    const { command, calls } = recorder({ negativeNumbers: true });
    await command.run(["--host", "10.0.0.1", "-1", "--verbose"]);
    expect(calls[0].positionals).to.deep.equal(["-1"]);
    expect(calls[0].values).to.include({ host: "10.0.0.1", verbose: true });
    let err: unknown;
    await recorder().command.run(["-1"]).catch((e) => (err = e));
    expect(err, "without negativeNumbers, -1 is a flag").to.be.instanceOf(UsageError);
  });

  it("every command in src/cli/commands: --help prints its usage (`Usage: cdlab <name> `) and exits 0, --bogus is a usage error", async function () {
    const dir = path.join(__dirname, "..", "..", "src", "cli", "commands");
    const commands = fs
      .readdirSync(dir)
      .flatMap((f) => (require(path.join(dir, f)) as { command?: Command }).command ?? []);
    expect(commands.map((c) => c.name)).to.include.members(["grade", "install", "kernel", "lab", "proc", "release", "tcp-client", "tcp-server", "udp-client", "udp-server", "validate"]);
    for (const c of commands) {
      const { code, out } = await capture(() => c.run(["--help"]));
      expect(code, c.name).to.equal(0);
      expect(out.join("\n"), c.name).to.equal(c.usage).and.match(new RegExp(`^Usage: cdlab ${c.name} `));
      const err = await c.run(["--bogus"]).then(() => undefined, (e: unknown) => e);
      expect(err, c.name).to.be.instanceOf(UsageError).with.property("message", "Unknown option '--bogus'");
    }
  });
});
