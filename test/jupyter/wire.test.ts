/**
 * The Jupyter wire format alone (src/jupyter/wire.ts): frames ↔ messages and
 * the HMAC-SHA256 signature, with no sockets.
 */
import { expect } from "chai";
import { createHmac } from "node:crypto";
import { makeMessage } from "../../src/jupyter/messages";
import { decode, encode } from "../../src/jupyter/wire";

const KEY = "0123456789abcdef";
const DELIM = "<IDS|MSG>";
const text = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString());

function request() {
  const msg = makeMessage("execute_request", { code: "1 + 1", silent: false }, undefined, "client-session", "aluno");
  return { ids: [Buffer.from("router-id-1"), Buffer.from("router-id-2")], msg };
}

describe("jupyter/wire", function () {
  it("encode then decode gives the same message back, identities first and kept in order", function () {
    const env = request();
    const frames = encode(env, KEY);
    const got = decode(frames, KEY);
    expect(text(got.ids)).to.deep.equal(["router-id-1", "router-id-2"]);
    expect(got.msg.header).to.deep.equal(env.msg.header);
    expect(got.msg.parent_header).to.deep.equal({});
    expect(got.msg.metadata).to.deep.equal({});
    expect(got.msg.content).to.deep.equal({ code: "1 + 1", silent: false });
    expect(got.msg.buffers).to.deep.equal([]);
  });

  it("frames are [ids…, <IDS|MSG>, HMAC-SHA256 hex of the four JSON parts, header, parent_header, metadata, content]", function () {
    const env = request();
    const frames = text(encode(env, KEY));
    expect(frames).to.have.length(2 + 6);
    expect(frames[2]).to.equal(DELIM);
    const parts = frames.slice(4);
    expect(parts.map((p) => JSON.parse(p))).to.deep.equal([env.msg.header, env.msg.parent_header, env.msg.metadata, env.msg.content]);
    const h = createHmac("sha256", KEY);
    for (const p of parts) h.update(p);
    expect(frames[3]).to.equal(h.digest("hex"));
  });

  it("a reply keeps its parent's header and the request's identities; binary buffers travel after the content", function () {
    const req = request();
    const reply = makeMessage("execute_reply", { status: "ok", execution_count: 1 }, req.msg.header, "kernel-session");
    const got = decode(encode({ ids: req.ids, msg: { ...reply, buffers: [Buffer.from([1, 2, 3])] } }, KEY), KEY);
    expect(text(got.ids)).to.deep.equal(["router-id-1", "router-id-2"]);
    expect(got.msg.parent_header).to.deep.equal(req.msg.header);
    expect(got.msg.header.username).to.equal("aluno");
    expect(got.msg.buffers!.map((b) => [...b])).to.deep.equal([[1, 2, 3]]);
  });

  it("a message with no identities (DEALER, SUB side) round-trips", function () {
    const msg = makeMessage("status", { execution_state: "idle" }, undefined, "s");
    const frames = encode({ ids: [], msg }, KEY);
    expect(Buffer.from(frames[0]).toString()).to.equal(DELIM);
    const got = decode(frames, KEY);
    expect(got.ids).to.deep.equal([]);
    expect(got.msg.content).to.deep.equal({ execution_state: "idle" });
  });

  it("rejects a message whose content was changed after signing", function () {
    const frames = encode(request(), KEY);
    frames[frames.length - 1] = Buffer.from(JSON.stringify({ code: "process.exit()" }));
    expect(() => decode(frames, KEY)).to.throw(/assinatura errada/);
  });

  it("rejects a message signed with another key, and one with no signature when a key is set", function () {
    expect(() => decode(encode(request(), "another key"), KEY)).to.throw(/assinatura errada/);
    expect(() => decode(encode(request(), ""), KEY)).to.throw(/assinatura errada/);
  });

  it("rejects frames with no <IDS|MSG> delimiter", function () {
    const frames = encode(request(), KEY).filter((f) => f.toString() !== DELIM);
    expect(() => decode(frames, KEY)).to.throw(/falta o delimitador <IDS\|MSG>/);
  });

  it("rejects a message with fewer than four parts after the signature", function () {
    const frames = encode(request(), KEY).slice(0, -1);
    expect(() => decode(frames, KEY)).to.throw(/menos de 4 partes/);
  });

  it("an empty key means no signing: the signature frame is empty and not checked", function () {
    const frames = encode(request(), "");
    expect(Buffer.from(frames[3]).toString()).to.equal("");
    expect(decode(frames, "").msg.content).to.deep.equal({ code: "1 + 1", silent: false });
    frames[3] = Buffer.from("anything");
    expect(decode(frames, "").msg.header.msg_type).to.equal("execute_request");
  });
});
