/**
 * Input from the student (kernel/stdin.ts, the handler's `ask`, src/runtime/input.ts)
 * through jupyter_client, the way a client with a stdin channel talks to the kernel:
 * `prompt`/`confirm` (synchronous globals) and `await input()` answered by an
 * input_reply, the password flag, `allow_stdin: false` failing at once, and an
 * interrupt ending a cell that waits for input (sync and async) with the next cell running.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { KernelClient } from "../../src/jupyter/kernel-client";

interface Run {
  status: string;
  ename: string | null;
  evalue: string | null;
  /** execute_request sent → execute_reply received. */
  ms: number;
  /** interrupt sent → execute_reply received. */
  interrupt_ms: number | null;
  request: { prompt: string; password: boolean; parent: boolean } | null;
  result?: string;
}

/** One kernel, the cells in order; answers are sent when the kernel asks (input_request). */
const SCRIPT = `
import json, time, queue, jupyter_client
km, kc = jupyter_client.manager.start_new_kernel(kernel_name='cdlab')
out = {}
def run(code, allow_stdin=True, answer=None, interrupt=False):
    msg_id = kc.execute(code, allow_stdin=allow_stdin, stop_on_error=False)
    t0 = time.time(); req = None; t_int = None
    if answer is not None or interrupt:
        req = kc.get_stdin_msg(timeout=30)
        if interrupt:
            time.sleep(0.3)
            t_int = time.time(); km.interrupt_kernel()
        else:
            kc.input(answer)
    while True:
        m = kc.get_shell_msg(timeout=30)
        if m['parent_header'].get('msg_id') == msg_id: break
    done = time.time()
    res = {'status': m['content']['status'], 'ename': m['content'].get('ename'), 'evalue': m['content'].get('evalue'),
           'ms': round((done - t0) * 1000), 'interrupt_ms': round((done - t_int) * 1000) if t_int else None,
           'request': req and {'prompt': req['content']['prompt'], 'password': req['content']['password'],
                               'parent': req['parent_header'].get('msg_id') == msg_id}}
    while True:
        try: io = kc.get_iopub_msg(timeout=10)
        except queue.Empty: break
        if io['parent_header'].get('msg_id') != msg_id: continue
        if io['msg_type'] == 'execute_result': res['result'] = io['content']['data']['text/plain']
        if io['msg_type'] == 'status' and io['content']['execution_state'] == 'idle': break
    return res
try:
    out['prompt'] = run('const nome = prompt("Seu nome?");\\n\`olá, \${nome}\`', answer='Ana')
    out['prompt_default'] = run('prompt("Porta?", "6789")', answer='')
    out['confirm'] = run('confirm("Continuar?")', answer='sim')
    out['password'] = run('import { input } from "cdlab";\\nawait input("Senha: ", { password: true })', answer='segredo')
    out['no_stdin'] = run('prompt("Nome?")', allow_stdin=False)
    out['no_stdin_input'] = run('import { input } from "cdlab";\\nawait input("Nome?")', allow_stdin=False)
    out['state'] = run('let guardado = 41;')
    out['interrupt_prompt'] = run('prompt("Espero...")', interrupt=True)
    out['after_prompt'] = run('guardado + 1')
    out['interrupt_input'] = run('import { input } from "cdlab";\\nawait input("Espero...")', interrupt=True)
    out['after_input'] = run('prompt("De novo?")', answer='sim')
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps(out))
`;

describe("kernel stdin through jupyter_client", function () {
  this.timeout(120_000);
  let runs: Record<string, Run>;

  before(function () {
    const root = path.resolve(__dirname, "..", "..");
    const env = { ...process.env, JUPYTER_PATH: path.join(root, ".venv", "share", "jupyter") };
    const r = spawnSync(path.join(root, ".venv", "bin", "python"), ["-c", SCRIPT], { env, encoding: "utf8", timeout: 110_000 });
    expect(r.status, r.stderr).to.equal(0);
    runs = JSON.parse(r.stdout);
  });

  it("prompt() sends input_request (parent: the cell's request) and returns the input_reply value", function () {
    expect(runs.prompt.request).to.deep.equal({ prompt: "Seu nome?", password: false, parent: true });
    expect(runs.prompt.status).to.equal("ok");
    expect(runs.prompt.result).to.equal("'olá, Ana'");
  });

  it("prompt() with a default returns it for an empty answer; confirm() reads sim as true", function () {
    expect(runs.prompt_default.request!.prompt).to.equal("Porta? [6789]");
    expect(runs.prompt_default.result).to.equal("'6789'");
    expect(runs.confirm.request!.prompt).to.equal("Continuar? [s/N]");
    expect(runs.confirm.result).to.equal("true");
  });

  it("await input(…, { password: true }) sets the password flag", function () {
    expect(runs.password.request).to.deep.equal({ prompt: "Senha: ", password: true, parent: true });
    expect(runs.password.result).to.equal("'segredo'");
  });

  it("with allow_stdin false, prompt() and input() fail at once with ERR_STDIN_NOT_ALLOWED's pt-BR message", function () {
    for (const r of [runs.no_stdin, runs.no_stdin_input]) {
      expect(r.request, "no input_request was waited for").to.equal(null);
      expect(r.status).to.equal("error");
      expect(r.ename).to.equal("CdlabError");
      expect(r.evalue).to.match(/^Não é possível pedir entrada ao aluno: .*allow_stdin: false/);
    }
  });

  it("an interrupt ends a cell waiting in prompt() (synchronous) within 2 s; the next cell runs with the state", function () {
    expect(runs.interrupt_prompt.ename).to.equal("KeyboardInterrupt");
    expect(runs.interrupt_prompt.interrupt_ms).to.be.below(2000);
    expect(runs.after_prompt.status).to.equal("ok");
    expect(runs.after_prompt.result).to.equal("42");
  });

  it("an interrupt ends a cell waiting in await input() within 2 s; the next prompt() gets its own answer", function () {
    expect(runs.interrupt_input.ename).to.equal("KeyboardInterrupt");
    expect(runs.interrupt_input.interrupt_ms).to.be.below(2000);
    expect(runs.after_input.status).to.equal("ok");
    expect(runs.after_input.result).to.equal("'sim'");
  });
});

describe("kernel stdin and the grader's client (allow_stdin false)", function () {
  this.timeout(60_000);
  let k: KernelClient | undefined;
  afterEach(async () => {
    await k?.close();
    k = undefined;
  });

  it("a graded cell that asks for input gets an error at once, not a time-out; the next cell runs", async function () {
    k = await KernelClient.start();
    const asked = await k.execute('const resposta = prompt("Nome?");', { timeoutMs: 20_000 });
    expect(asked.status).to.equal("error");
    expect(asked.ename).to.equal("CdlabError");
    expect(asked.evalue).to.match(/allow_stdin: false/);
    const next = await k.execute("1 + 1", { timeoutMs: 20_000 });
    expect(next.status).to.equal("ok");
  });
});
