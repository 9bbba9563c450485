/**
 * What a student reads in a notebook's saved run is Brazilian Portuguese (issue 14). For every notebook under
 * notebooks/ (lectures and exercises) this reads the SAVED outputs — it runs nothing, so it fails until the notebooks
 * are re-executed with the translated helpers — and finds:
 *
 * - an English error message from a helper: an `error` output, or a line of text output shaped like an error
 *   (`EMSGSIZE: …`, `ERR_INVALID_PORT → …`, `lançou CdlabError: …`) whose message is English
 *   (test/support/english.ts);
 * - in a displayed table (the HTML of a `display_data` / `execute_result`): a `true`/`false` cell, an English header,
 *   or a number in the English decimal format (`12.5`, `0.42 %`). Not flagged: IP addresses and versions (more than
 *   one dot), `1.234` (the pt-BR grouping), times of day (`03:45:14.425`), numbers inside names (`v1.2`, `a.txt`).
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { englishWords } from "./support/english";

const DIR = path.resolve(__dirname, "..", "notebooks");

type Output = {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  data?: Record<string, unknown>;
};
type Cell = { cell_type: string; id?: string; outputs?: Output[] };

const join = (s: unknown) => (Array.isArray(s) ? s.join("") : typeof s === "string" ? s : "");

/**
 * A line shaped like a helper's error: its code or `CdlabError`, a colon (or an arrow), the message. Errors of
 * Node or of the student's own code (`RangeError: Port should be…`, `lançou Error: preço negativo`) are not helpers'.
 */
const ERROR_LINE = /(?:^|[\s→(])(?:E[A-Z0-9]{2,}|ERR_[A-Z0-9_]+|CdlabError)\s*[:→]\s*(.+)$/;

/** A number with one decimal point, not part of an address, a version, a time of day or a name. */
const ENGLISH_DECIMAL = /(?<![\w.:,])-?\d+\.\d+(?![\w.,])/g;
const PT_BR_GROUPING = /^-?\d{1,3}(\.\d{3})+$/;

const decode = (html: string) =>
  html
    .replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .trim();

/** What is wrong in one table (HTML), each a short description. */
export function tableProblems(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<th\b[^>]*>([\s\S]*?)<\/th>/g)) {
    const th = decode(m[1]);
    const words = englishWords(th);
    if (words.length) out.push(`English header "${th}" [${words.join(", ")}]`);
  }
  for (const m of html.matchAll(/<td\b[^>]*>([\s\S]*?)<\/td>/g)) {
    const td = decode(m[1]);
    if (/^(true|false)$/i.test(td)) out.push(`cell "${td}" (sim/não)`);
    const decimals = [...td.matchAll(ENGLISH_DECIMAL)].map((n) => n[0]).filter((n) => !PT_BR_GROUPING.test(n));
    if (decimals.length) out.push(`number in the English format "${decimals.join('", "')}" in cell "${td.slice(0, 60)}"`);
  }
  return out;
}

/** English error messages in one output's text, each a short description. */
export function errorProblems(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = ERROR_LINE.exec(line);
    if (!m) continue;
    const words = englishWords(m[1]);
    if (words.length) out.push(`English error "${line.trim().slice(0, 120)}" [${words.join(", ")}]`);
  }
  return out;
}

function notebookProblems(file: string): string[] {
  const nb = JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8")) as { cells: Cell[] };
  const out: string[] = [];
  nb.cells.forEach((c, i) => {
    const where = `${file} cell ${i}${c.id ? ` (${c.id})` : ""}`;
    for (const o of c.outputs ?? []) {
      const found: string[] = [];
      if (o.output_type === "error") found.push(...errorProblems(`${o.ename}: ${o.evalue ?? ""}`));
      if (o.output_type === "stream") found.push(...errorProblems(join(o.text)));
      if (o.output_type === "display_data" || o.output_type === "execute_result") {
        found.push(...errorProblems(join(o.data?.["text/plain"])));
        const html = join(o.data?.["text/html"]);
        for (const t of html.match(/<table\b[\s\S]*?<\/table>/g) ?? []) found.push(...tableProblems(t));
      }
      out.push(...found.map((p) => `${where}: ${p}`));
    }
  });
  return out;
}

const NOTEBOOKS = [
  ...fs.readdirSync(DIR).filter((f) => f.endsWith(".ipynb")),
  ...fs.readdirSync(path.join(DIR, "exercicios")).filter((f) => f.endsWith(".ipynb")).map((f) => `exercicios/${f}`),
].sort();

describe("notebooks: the saved outputs are pt-BR", function () {
  it("the checks bite: English errors, true/false cells, English headers and decimals are found; pt-BR is not", function () {
    expect(errorProblems("depois de 302 ms → ETIMEDOUT: No reply from 127.0.0.1:57 within 300 ms")).to.have.length(1);
    expect(errorProblems("ninguém responde: lançou CdlabError: No datagram arrived within 150 ms")).to.have.length(1);
    expect(errorProblems("EMSGSIZE: Não foi possível enviar um datagrama de 65508 bytes: o UDP leva no máximo 65507")).to.deep.equal([]);
    expect(errorProblems("msgsnd com mtype 0: -1, errno = EINVAL (Invalid argument)")).to.deep.equal([]);
    expect(errorProblems("ERR_INVALID_PORT → Invalid port 70000: expected an integer from 0 to 65535")).to.have.length(1);
    expect(errorProblems("retransmitiu: lançou RangeError: Port should be > 0 and < 65536. Received undefined.")).to.deep.equal([]);
    const english = "<table><thead><tr><th>sent</th><th>lost</th></tr></thead><tbody><tr><td>true</td><td>12.5</td></tr><tr><td>0.42 %</td><td>x</td></tr></tbody></table>";
    expect(tableProblems(english)).to.have.length(5);
    const ptBr =
      "<table><thead><tr><th>enviadas</th><th>endereço</th><th>mtype</th><th>bits (rede | host)</th></tr></thead><tbody>" +
      "<tr><td>sim</td><td>192.168.0.1</td><td>1.234,5</td></tr><tr><td>65.536</td><td>03:45:14.425</td><td>0,42 %</td></tr>" +
      "<tr><td>10.0.0.5/8</td><td>Linux 6.18.44-fc</td><td>a.txt</td></tr></tbody></table>";
    expect(tableProblems(ptBr)).to.deep.equal([]);
  });

  for (const file of NOTEBOOKS) {
    it(`${file}: no English helper error, no true/false, English header or English decimal in a table`, function () {
      const problems = notebookProblems(file);
      expect(problems, `${problems.length} problems:\n  ${problems.join("\n  ")}\n`).to.deep.equal([]);
    });
  }
});
