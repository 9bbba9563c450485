/**
 * The assertion API for test cells, with pt-BR failure messages.
 *
 * A failure throws {@link AssertionError}: in Jupyter its `ename` is
 * `FalhaDeTeste` and its `evalue` says what was expected and what came, e.g.
 * `soma(2, 3): esperava 5, obteve 4`.
 *
 * Hardening (the grader runs hidden tests after student code): every intrinsic
 * used here is captured when this module loads, which in a graded kernel is
 * before any student cell runs; `assert` is frozen, and loops use indexes, not
 * iterators a student could patch.
 */
import { inspect as nodeInspect } from "node:util";
import { CdlabError } from "../runtime/errors";
import { deepEquals } from "./deep-equal";

const is = Object.is;
const protoOf = Object.getPrototypeOf;
const freeze = Object.freeze;
const apply = Reflect.apply;
const regexpTest = RegExp.prototype.test;
const strIncludes = String.prototype.includes;
const mathAbs = Math.abs;
const isFiniteNumber = Number.isFinite;
const ObjectProto = Object.prototype;
const RegExpCtor = RegExp;
const ErrorCtor = Error;
const PromiseCtor = Promise;
const promiseThen = Promise.prototype.then;
const inspect = nodeInspect;

/** A failed check in a test cell. `name` is `FalhaDeTeste`, `code` is `ERR_ASSERTION`. */
export class AssertionError extends CdlabError {
  /** The value the test obtained. */
  readonly actual: unknown;
  /** The value the test expected. */
  readonly expected: unknown;

  /**
   * @param message pt-BR message, e.g. `esperava 5, obteve 4`
   * @param actual the value obtained
   * @param expected the value expected
   */
  constructor(message: string, actual?: unknown, expected?: unknown) {
    super("ERR_ASSERTION", message);
    this.name = "FalhaDeTeste";
    this.actual = actual;
    this.expected = expected;
  }
}

/** Short, one-line rendering of a value for messages. */
export function show(value: unknown): string {
  try {
    return inspect(value, { depth: 3, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
  } catch {
    return "<valor que não pode ser mostrado>";
  }
}

function fail(message: string | undefined, detail: string, actual?: unknown, expected?: unknown): never {
  throw new AssertionError(message ? `${message}: ${detail}` : detail, actual, expected);
}

function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && (protoOf(v) === ObjectProto || protoOf(v) === null);
}

/**
 * Check that `actual === expected` (by `Object.is`, so `NaN` equals `NaN`).
 *
 * @param actual the value the code produced
 * @param expected the value it should be
 * @param message what is being checked, shown before the detail, e.g. `"soma(2, 3)"`
 * @returns nothing; throws {@link AssertionError} on failure
 * @example
 * ```ts
 * declare function soma(a: number, b: number): number; // the student's function
 * assert.equal(soma(2, 3), 5, "soma(2, 3)");
 * ```
 */
function equal(actual: unknown, expected: unknown, message?: string): void {
  if (is(actual, expected)) return;
  let detail = `esperava ${show(expected)}, obteve ${show(actual)}`;
  if (typeof actual !== typeof expected) detail += ` (tipos diferentes: ${typeof expected} e ${typeof actual})`;
  else if (typeof actual === "object" && deepEquals(actual, expected)) detail += " (mesmo conteúdo, objetos diferentes: use assert.deepEqual)";
  fail(message, detail, actual, expected);
}

/**
 * Check that `actual` and `expected` are different (by `Object.is`).
 *
 * @param actual the value the code produced
 * @param unexpected the value it must not be
 * @param message what is being checked
 * @returns nothing; throws {@link AssertionError} on failure
 * @example
 * ```ts
 * declare const pid: number; // the child's PID
 * assert.notEqual(pid, process.pid, "o filho tem outro PID");
 * ```
 */
function notEqual(actual: unknown, unexpected: unknown, message?: string): void {
  if (!is(actual, unexpected)) return;
  fail(message, `esperava um valor diferente de ${show(unexpected)}`, actual, unexpected);
}

/**
 * Check that two values have the same structure and contents (arrays, objects,
 * Map, Set, Date, Buffer…), comparing leaves with `Object.is`.
 *
 * @param actual the value the code produced
 * @param expected the value it should be equal to
 * @param message what is being checked
 * @returns nothing; throws {@link AssertionError} on failure
 * @example
 * ```ts
 * declare function ordena(xs: number[]): number[];
 * assert.deepEqual(ordena([3, 1, 2]), [1, 2, 3], "ordena([3, 1, 2])");
 * ```
 */
function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (deepEquals(actual, expected)) return;
  let detail = `esperava ${show(expected)}, obteve ${show(actual)}`;
  if (isPlainObject(expected) && !isPlainObject(actual) && typeof actual === "object" && actual !== null) {
    detail += " (protótipos diferentes)";
  }
  fail(message, detail, actual, expected);
}

/**
 * Check that a value is truthy.
 *
 * @param value the value to check
 * @param message what is being checked (shown when it fails)
 * @returns nothing; throws {@link AssertionError} on failure
 * @example
 * ```ts
 * declare const resposta: string;
 * assert.ok(resposta.includes("olá"), "a resposta contém olá");
 * ```
 */
function ok(value: unknown, message?: string): void {
  if (value) return;
  fail(message, `esperava um valor verdadeiro, obteve ${show(value)}`, value, true);
}

/**
 * Check that two numbers differ by at most `tolerance`.
 *
 * @param actual the number the code produced
 * @param expected the number it should be close to
 * @param tolerance the largest accepted difference
 * @default tolerance 1e-9
 * @param message what is being checked
 * @returns nothing; throws {@link AssertionError} on failure
 * @example
 * ```ts
 * declare function speedup(processadores: number): number;
 * assert.closeTo(speedup(4), 3.2, 0.01, "speedup com 4 processadores");
 * ```
 */
function closeTo(actual: unknown, expected: number, tolerance = 1e-9, message?: string): void {
  if (typeof actual !== "number" || !isFiniteNumber(actual)) {
    fail(message, `esperava um número próximo de ${show(expected)}, obteve ${show(actual)}`, actual, expected);
  }
  if (mathAbs((actual as number) - expected) <= tolerance) return;
  fail(message, `esperava ${show(expected)} ± ${show(tolerance)}, obteve ${show(actual)}`, actual, expected);
}

/** What a thrown error must look like: its class, a regular expression or text its message must contain. */
export type ErrorMatcher = RegExp | string | (new (...args: never[]) => unknown);

function matches(err: unknown, want: ErrorMatcher | undefined): string | undefined {
  if (want === undefined) return undefined;
  const text = err instanceof ErrorCtor ? err.message : String(err);
  if (typeof want === "string") {
    return apply(strIncludes, text, [want]) ? undefined : `a mensagem do erro deveria conter ${show(want)}, mas era ${show(text)}`;
  }
  if (want instanceof RegExpCtor) {
    return apply(regexpTest, want, [text]) ? undefined : `a mensagem do erro deveria casar com ${show(want)}, mas era ${show(text)}`;
  }
  return err instanceof want ? undefined : `esperava um erro do tipo ${want.name}, obteve ${show(err)}`;
}

/** What {@link throws} and {@link rejects} hold when nothing was thrown (any value, `undefined` too, can be). */
const NOTHING_THROWN: unique symbol = Symbol("nothing thrown");

/** The common end of throws and rejects: fail with `notThrown` or with why the error does not match, else return it. */
function checkThrown(thrown: unknown, expected: ErrorMatcher | undefined, message: string | undefined, notThrown: string): unknown {
  if (thrown === NOTHING_THROWN) fail(message, notThrown);
  const why = matches(thrown, expected);
  if (why) fail(message, why, thrown, expected);
  return thrown;
}

/**
 * Check that calling `fn` throws (optionally an error matching `expected`).
 *
 * @param fn the code that must throw
 * @param expected class, RegExp or text the error message must contain
 * @param message what is being checked
 * @returns the error thrown; throws {@link AssertionError} when nothing or the wrong error was thrown
 * @example
 * ```ts
 * declare function fatia<T>(xs: T[], n: number): T[][];
 * assert.throws(() => fatia([], 0), /vazia/, "fatia de lista vazia");
 * ```
 */
function throws(fn: () => unknown, expected?: ErrorMatcher, message?: string): unknown {
  let thrown: unknown = NOTHING_THROWN;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  return checkThrown(thrown, expected, message, "esperava que lançasse um erro, mas não lançou");
}

/**
 * Check that a promise (or an async function) rejects, optionally with an
 * error matching `expected`.
 *
 * @param promise the promise, or a function returning it
 * @param expected class, RegExp or text the error message must contain
 * @param message what is being checked
 * @returns the rejection reason; rejects with {@link AssertionError} when it resolved or rejected with the wrong error
 * @example
 * ```ts
 * declare function conecta(porta: number): Promise<void>;
 * await assert.rejects(conecta(1), "ECONNREFUSED", "porta sem servidor");
 * ```
 */
async function rejects(promise: Promise<unknown> | (() => Promise<unknown>), expected?: ErrorMatcher, message?: string): Promise<unknown> {
  let thrown: unknown = NOTHING_THROWN;
  try {
    const p = typeof promise === "function" ? promise() : promise;
    await new PromiseCtor((resolve, reject) => apply(promiseThen, p, [resolve, reject]));
  } catch (e) {
    thrown = e;
  }
  return checkThrown(thrown, expected, message, "esperava que a promessa fosse rejeitada, mas ela foi resolvida");
}

/**
 * Fail unconditionally.
 *
 * @param message why
 * @returns never; throws {@link AssertionError}
 * @example
 * ```ts
 * declare const recebido: string | undefined;
 * if (!recebido) assert.fail("nenhuma mensagem chegou");
 * ```
 */
function failNow(message = "falhou"): never {
  throw new AssertionError(message);
}

/** The assertions test cells use; frozen, so student code cannot replace its functions. */
export interface Assert {
  equal: typeof equal;
  notEqual: typeof notEqual;
  deepEqual: typeof deepEqual;
  ok: typeof ok;
  closeTo: typeof closeTo;
  throws: typeof throws;
  rejects: typeof rejects;
  fail: typeof failNow;
}

/**
 * Assertions for test cells, with pt-BR failure messages. A failure throws
 * {@link AssertionError} (`FalhaDeTeste`).
 *
 * @example
 * ```ts
 * import { assert } from "cdlab";
 * declare function soma(a: number, b: number): number; // the student's functions
 * assert.equal(soma(2, 3), 5, "soma(2, 3)");
 * declare function pares(xs: number[]): number[];
 * assert.deepEqual(pares([1, 2, 3, 4]), [2, 4]);
 * ```
 */
export const assert: Readonly<Assert> = freeze({
  equal,
  notEqual,
  deepEqual,
  ok,
  closeTo,
  throws,
  rejects,
  fail: failNow,
});

