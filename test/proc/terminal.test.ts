import { expect } from "chai";
import { openTerminal, renderScreen } from "../../src/proc/terminal";
import { ttyVersusPipe, isattyDemo, bufferingDemo, ctrlCDemo, shellPipeline } from "../../src/lectures/05-processos/terminal-demos";
import { CdlabError } from "../../src/runtime/errors";
import { descendantWatch, registryWatch } from "./leaks";

describe("proc/terminal", () => {
  let watch: ReturnType<typeof descendantWatch>;
  let registry: ReturnType<typeof registryWatch>;
  beforeEach(() => ((watch = descendantWatch()), (registry = registryWatch(["pty", "child-process"]))));
  afterEach(async () => {
    await watch.check();
    expect(registry.check()).to.deep.equal([]);
  });

  it("renders a screen: escape sequences dropped, CR and tabs applied", () => {
    expect(renderScreen("\x1b[?2004h$ ls\r\n\x1b[1ma\tb\x1b[0m\r\nxx\rY")).to.equal("$ ls\na       b\nYx");
  });

  it("a program sees a terminal in the pty and a pipe otherwise", async () => {
    const r = await isattyDemo();
    expect(r.terminal).to.match(/isatty\(1\)=true \/dev\/pts\/\d+/);
    expect(r.pipe).to.match(/isatty\(1\)=false pipe:\[\d+\]/);
    const ls = await ttyVersusPipe("ls", ["-a", "/"]);
    expect(ls.pipe.split("\n")).to.include.members([".", "..", "proc"]);
    expect(ls.terminal.split("\n").length).to.be.lessThan(ls.pipe.split("\n").length); // columns
  });

  it("stdout is line-buffered on a terminal and block-buffered in a pipe", async () => {
    const r = await bufferingDemo();
    expect(r.terminal.beforeEnter).to.deep.equal(["linha 1"]);
    expect(r.pipe.beforeEnter).to.deep.equal([]);
    expect(r.pipe.after).to.deep.equal(["linha 1", "linha 2"]);
  });

  it("Ctrl-C interrupts the foreground job of a real shell (status 130)", async () => {
    const r = await ctrlCDemo();
    expect(r.status).to.equal(130);
    expect(r.foregroundGroup).to.equal(r.pid); // sleep led its own group, the one Ctrl-C signalled
    expect(r.screen).to.include("^C");
  });

  it("a pipeline typed into a real shell", async () => {
    expect(await shellPipeline("printf 'b\\na\\n' | sort")).to.equal("$ printf 'b\\na\\n' | sort\na\nb");
  });

  it("type, waitFor and close; a command that is not found is one clear error", async () => {
    const t = await openTerminal("bash");
    await t.waitFor(/\$$/);
    t.type("echo $((6*7))");
    expect(await t.waitFor(/^42$/m)).to.include("42");
    await t.close();
    await t.close();
    const e = await openTerminal("no-such-command-cdlab").catch((err) => err);
    expect(e).to.be.instanceOf(CdlabError).and.include({ code: "ENOENT" });
    expect(() => openTerminal("bash", { cols: 3 })).to.throw(CdlabError, /^Opção "cols" inválida \(3\)/);
  });

  it("is listed by resources() while its program runs, and leaves the list when the program exits", async () => {
    const t = await openTerminal("bash");
    expect(registry.check().map((r) => r.label)).to.deep.equal([`bash (PID ${t.pid})`]);
    await t.waitFor(/\$$/);
    t.type("exit 3");
    expect((await t.exited).exitCode).to.equal(3);
    expect(registry.check()).to.deep.equal([]); // gone before close()
    await t.close();
  });
});
