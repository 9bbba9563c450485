/**
 * src/runtime/progress.ts and the display handles it draws with (src/runtime/display.ts):
 * the throttle with a fake clock, the done and failed states, the text fallback,
 * the terminal bar, and `{ id }` / `update` / `clear` reaching the kernel's sinks.
 */
import { expect } from "chai";
import { PassThrough } from "node:stream";
import { display, setDisplaySink, table, type MimeBundle } from "../../src/runtime/display";
import { progress, progressBar, progressHook, progressText, throttle, type Clock } from "../../src/runtime/progress";

/** A clock that moves only when the test says so. */
function fakeClock() {
  let t = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => t,
    setTimeout: (fn, ms) => {
      const timer = { at: t + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (timer) => void timers.splice(timers.indexOf(timer as (typeof timers)[0]) >>> 0, 1),
  };
  const advance = (ms: number) => {
    t += ms;
    for (const timer of timers.filter((x) => x.at <= t)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.fn();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

interface Shown {
  bundle: MimeBundle;
  id?: string;
  update?: boolean;
}

/** Run `f` with a recording display sink (as inside the kernel). */
function inFakeKernel(f: (shown: Shown[], clears: boolean[]) => void): void {
  const shown: Shown[] = [];
  const clears: boolean[] = [];
  setDisplaySink((bundle, o) => void shown.push({ bundle, ...o }), (wait) => void clears.push(wait));
  try {
    f(shown, clears);
  } finally {
    setDisplaySink(undefined);
  }
}

describe("runtime/progress", function () {
  it("throttle: the first draw at once, then at most one per interval, the last request always drawn", function () {
    const { clock, advance, pending } = fakeClock();
    let draws = 0;
    const t = throttle(() => void draws++, 250, clock);
    t.request();
    expect(draws).to.equal(1);
    for (let i = 0; i < 100; i++) t.request(); // within the interval: one trailing draw scheduled
    expect(draws).to.equal(1);
    expect(pending()).to.equal(1);
    advance(249);
    expect(draws).to.equal(1);
    advance(1);
    expect(draws).to.equal(2);
    advance(1000); // nothing requested meanwhile: no draw
    expect(draws).to.equal(2);
    t.request();
    expect(draws).to.equal(3);
    t.request();
    t.now(); // done / failed: drawn at once, the pending draw dropped
    expect(draws).to.equal(4);
    expect(pending()).to.equal(0);
  });

  it("a bar shown in the kernel: one display, then updates in place with the same display_id, 4 redraws a second at most", function () {
    const { clock, advance } = fakeClock();
    inFakeKernel((shown) => {
      const bar = progress({ total: 1000, label: "cópias", clock });
      for (let i = 0; i < 1000; i++) {
        bar.tick();
        advance(1); // 1000 ticks over one second
      }
      bar.done();
      expect(shown[0].update).to.equal(undefined);
      expect(shown.slice(1).every((s) => s.update === true && s.id === shown[0].id)).to.equal(true);
      expect(shown.length).to.be.within(4, 7);
      const last = shown[shown.length - 1].bundle;
      expect(String(last["text/html"])).to.contain('data-state="done"').and.to.contain("concluído");
      expect(String(last["text/plain"])).to.match(/^cópias \[#{20}\] concluído em 1 s$/);
      bar.tick(); // after done nothing changes
      expect(shown[shown.length - 1].bundle).to.equal(last);
    });
  });

  it("fail() shows where the run stopped, in red, with the reason", function () {
    const { clock } = fakeClock();
    inFakeKernel((shown) => {
      const bar = progress({ total: 4, label: "corrida", clock });
      bar.set(1);
      bar.fail(new Error("processo morreu"));
      const last = shown[shown.length - 1].bundle;
      expect(String(last["text/plain"])).to.equal("corrida [#####...............] falhou em 25 % (1/4): processo morreu");
      expect(String(last["text/html"])).to.contain('data-state="failed"').and.to.contain("#c62828");
    });
  });

  it("progressHook makes its bar at the first call, with the total the helper reports, and ends done", function () {
    const { clock } = fakeClock();
    inFakeKernel((shown) => {
      const hook = progressHook("unidades", { clock });
      hook(0, 3);
      hook(3, 3);
      expect(String(shown[shown.length - 1].bundle["text/plain"])).to.match(/^unidades \[#+\] concluído/);
    });
  });

  it("progressText: label, bar, percent and count in pt-BR", function () {
    const s = { value: 1500, total: 3000, label: "bytes", state: "running" as const, elapsedMs: 1250 };
    expect(progressText(s, 10)).to.equal("bytes [#####.....] 50 % (1.500/3.000) · 1,3 s");
  });

  it("progressBar on a terminal redraws one line with \\r and ends it; on a pipe it writes nothing", function () {
    const { clock } = fakeClock();
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let out = "";
    tty.on("data", (d) => (out += d));
    const bar = progressBar(tty, 2, "corrigindo", { clock });
    bar.tick();
    bar.done();
    expect(out.split("\r\x1b[2K").filter(Boolean)).to.have.length(2);
    expect(out.endsWith("\n")).to.equal(true);
    expect(out).to.contain("corrigindo [").and.to.contain("concluído");

    const pipe = new PassThrough();
    let piped = "";
    pipe.on("data", (d) => (piped += d));
    const quiet = progressBar(pipe, 2, "corrigindo", { clock });
    quiet.done();
    expect(piped).to.equal("");
    expect(quiet.value).to.equal(2);
  });

  it("every display call takes { id } and returns a handle: update → same id, update; clear → clear_output wait", function () {
    inFakeKernel((shown, clears) => {
      const h = display.html("<b>0</b>", { id: "placar" });
      h.update("<b>1</b>");
      h.clear();
      h.clear({ wait: false });
      const t = table([{ a: 1 }]);
      t.update([{ a: 2 }]);
      const m = display.markdown("x");
      expect(shown.map((s) => [s.id, Boolean(s.update), s.bundle["text/plain"]])).to.deep.equal([
        ["placar", false, "0"],
        ["placar", true, "1"],
        [t.id, false, "a\n1"],
        [t.id, true, "a\n2"],
        [m.id, false, "x"],
      ]);
      expect(clears).to.deep.equal([true, false]);
      expect(t.id).to.not.equal(m.id);
    });
  });
});
