import { expect } from "chai";
import { assert, AssertionError } from "../../src/grader/index";

function failure(fn: () => unknown): AssertionError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(AssertionError);
    return e as AssertionError;
  }
  throw new Error("did not throw");
}

describe("grader/assert", function () {
  it("equal passes on Object.is and fails with a pt-BR message naming both values", function () {
    assert.equal(5, 5);
    assert.equal(NaN, NaN);
    const e = failure(() => assert.equal(4, 5, "soma(2, 3)"));
    expect(e.name).to.equal("FalhaDeTeste");
    expect(e.code).to.equal("ERR_ASSERTION");
    expect(e.message).to.equal("soma(2, 3): esperava 5, obteve 4");
    expect(failure(() => assert.equal("5", 5)).message).to.include("tipos diferentes");
    expect(failure(() => assert.equal([1], [1])).message).to.include("use assert.deepEqual");
    expect(failure(() => assert.notEqual(1, 1)).message).to.include("diferente de 1");
  });

  it("deepEqual compares arrays, objects, Map, Set, Date, typed arrays and cycles", function () {
    assert.deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] });
    assert.deepEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]]));
    assert.deepEqual(new Set([1, 2]), new Set([2, 1]));
    assert.deepEqual(new Date(5), new Date(5));
    assert.deepEqual(Buffer.from("oi"), Buffer.from("oi"));
    const a: { self?: unknown } = {};
    a.self = a;
    const b: { self?: unknown } = {};
    b.self = b;
    assert.deepEqual(a, b);
    expect(failure(() => assert.deepEqual([1, 2, 3], [1, 2])).message).to.equal("esperava [ 1, 2 ], obteve [ 1, 2, 3 ]");
    failure(() => assert.deepEqual({ a: 1 }, { a: 1, b: undefined }));
    failure(() => assert.deepEqual(new Set([1]), new Set([2])));
    failure(() => assert.deepEqual(Buffer.from("a"), Buffer.from("b")));
    failure(() => assert.deepEqual([1], { 0: 1 }));
  });

  it("deepEqual compares Set members and Map keys by content, not by identity", function () {
    assert.deepEqual(new Set([{ a: 1 }, [2]]), new Set([[2], { a: 1 }]));
    assert.deepEqual(new Map([[{ k: 1 }, "v"]]), new Map([[{ k: 1 }, "v"]]));
    assert.deepEqual(new Map([[[1, 2], new Set([{ x: 1 }])]]), new Map([[[1, 2], new Set([{ x: 1 }])]]));
    assert.deepEqual(new Set([NaN]), new Set([NaN]));
    expect(failure(() => assert.deepEqual(new Set([{ a: 1 }]), new Set([{ a: 2 }]), "conjunto")).message).to.equal(
      "conjunto: esperava Set(1) { { a: 2 } }, obteve Set(1) { { a: 1 } }",
    );
    expect(failure(() => assert.deepEqual(new Map([[{ k: 1 }, "v"]]), new Map([[{ k: 2 }, "v"]]))).message).to.equal(
      "esperava Map(1) { { k: 2 } => 'v' }, obteve Map(1) { { k: 1 } => 'v' }",
    );
    failure(() => assert.deepEqual(new Map([[{ k: 1 }, "v"]]), new Map([[{ k: 1 }, "w"]])));
    failure(() => assert.deepEqual(new Set([{ a: 1 }, { a: 1 }]), new Set([{ a: 1 }, { a: 2 }])));
    expect(failure(() => assert.equal(new Set([{ a: 1 }]), new Set([{ a: 1 }]))).message).to.equal(
      "esperava Set(1) { { a: 1 } }, obteve Set(1) { { a: 1 } } (mesmo conteúdo, objetos diferentes: use assert.deepEqual)",
    );
    expect(failure(() => assert.deepEqual(Object.create({}), {})).message).to.equal("esperava {}, obteve {} (protótipos diferentes)");
    expect(failure(() => assert.deepEqual(new Map(), {})).message).to.equal("esperava {}, obteve Map(0) {} (protótipos diferentes)");
  });

  it("ok, closeTo and fail", function () {
    assert.ok(1);
    expect(failure(() => assert.ok(0, "tem resposta")).message).to.equal("tem resposta: esperava um valor verdadeiro, obteve 0");
    assert.closeTo(0.1 + 0.2, 0.3);
    assert.closeTo(3.21, 3.2, 0.01);
    expect(failure(() => assert.closeTo(3.3, 3.2, 0.01)).message).to.include("3.2 ± 0.01");
    expect(failure(() => assert.closeTo("3", 3)).message).to.include("número");
    expect(failure(() => assert.fail("nada chegou")).message).to.equal("nada chegou");
  });

  it("throws checks the error's class, text or pattern and returns it", function () {
    const err = assert.throws(() => {
      throw new RangeError("preço negativo");
    }, "preço");
    expect(err).to.be.instanceOf(RangeError);
    assert.throws(() => JSON.parse("{"), SyntaxError);
    assert.throws(() => {
      throw new Error("x42");
    }, /x\d+/);
    expect(failure(() => assert.throws(() => 1)).message).to.include("não lançou");
    expect(failure(() => assert.throws(() => { throw new Error("outro"); }, "preço")).message).to.include("deveria conter 'preço'");
    expect(failure(() => assert.throws(() => { throw new Error("e"); }, TypeError)).message).to.include("TypeError");
    expect(assert.throws(() => { throw undefined; }), "throwing undefined is throwing").to.equal(undefined);
  });

  it("rejects awaits a promise or an async function", async function () {
    await assert.rejects(Promise.reject(new Error("ECONNREFUSED")), "ECONNREFUSED");
    await assert.rejects(async () => { throw new TypeError("t"); }, TypeError);
    let e: unknown;
    await assert.rejects(Promise.resolve(1)).catch((x) => (e = x));
    expect(e).to.be.instanceOf(AssertionError);
    expect((e as Error).message).to.include("resolvida");
    expect(await assert.rejects(Promise.reject(undefined)), "rejecting with undefined is rejecting").to.equal(undefined);
  });

  it("cannot be redefined: the object is frozen and the checks use intrinsics captured at load", function () {
    expect(Object.isFrozen(assert)).to.equal(true);
    expect(() => Object.defineProperty(assert, "equal", { value: () => {} })).to.throw(TypeError);
    try {
      (assert as { equal: unknown }).equal = () => {};
    } catch {
      /* strict mode throws, sloppy mode ignores */
    }
    failure(() => assert.equal(1, 2));
    const saved = { is: Object.is, keys: Object.keys, iter: Array.prototype[Symbol.iterator] };
    try {
      Object.is = () => true;
      Object.keys = () => [];
      Array.prototype[Symbol.iterator] = function* () {} as never;
      failure(() => assert.equal(1, 2));
      failure(() => assert.deepEqual({ a: 1 }, { a: 2 }));
    } finally {
      Object.is = saved.is;
      Object.keys = saved.keys;
      Array.prototype[Symbol.iterator] = saved.iter;
    }
    const proto = { mapHas: Map.prototype.has, setHas: Set.prototype.has, mapIter: Map.prototype[Symbol.iterator], setIter: Set.prototype[Symbol.iterator] };
    try {
      Map.prototype.has = () => true;
      Set.prototype.has = () => true;
      Map.prototype[Symbol.iterator] = function* () {} as never;
      Set.prototype[Symbol.iterator] = function* () {} as never;
      failure(() => assert.deepEqual(new Set([1]), new Set([2])));
      failure(() => assert.deepEqual(new Map([[1, "a"]]), new Map([[2, "a"]])));
      assert.deepEqual(new Set([{ a: 1 }]), new Set([{ a: 1 }]));
      expect(new Set([1]).has(2), "the replacement is back after the check").to.equal(true);
    } finally {
      Map.prototype.has = proto.mapHas;
      Set.prototype.has = proto.setHas;
      Map.prototype[Symbol.iterator] = proto.mapIter;
      Set.prototype[Symbol.iterator] = proto.setIter;
    }
  });
});
