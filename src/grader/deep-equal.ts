/**
 * Structural equality for the grader's `assert` (`deepEqual`, and the hint of
 * `equal`): Node's `util.isDeepStrictEqual`, kept trustworthy after student
 * code has run in the same kernel (see {@link deepEquals}).
 */
import { isDeepStrictEqual } from "node:util";

const protoOf = Object.getPrototypeOf;
const ownDescriptor = Object.getOwnPropertyDescriptor;
const defineProperty = Object.defineProperty;
const deepStrictEqual = isDeepStrictEqual;

/**
 * What Node 20's `isDeepStrictEqual` reaches through the prototypes rather than
 * through its own captured intrinsics: `for…of` over arrays, Sets and Maps, and
 * Set/Map `has`, `get`, `size`, `values`, `entries`. Captured here at load.
 */
const iterated: [object, PropertyKey][] = [
  [Array.prototype, Symbol.iterator],
  [protoOf([][Symbol.iterator]()), "next"],
  [Set.prototype, Symbol.iterator],
  [Set.prototype, "has"],
  [Set.prototype, "values"],
  [Set.prototype, "size"],
  [protoOf(new Set()[Symbol.iterator]()), "next"],
  [Map.prototype, Symbol.iterator],
  [Map.prototype, "has"],
  [Map.prototype, "get"],
  [Map.prototype, "entries"],
  [Map.prototype, "size"],
  [protoOf(new Map()[Symbol.iterator]()), "next"],
];
const pristine: PropertyDescriptor[] = [];
for (let i = 0; i < iterated.length; i++) pristine[i] = ownDescriptor(iterated[i][0], iterated[i][1])!;

function sameDescriptor(a: PropertyDescriptor | undefined, b: PropertyDescriptor): boolean {
  return a !== undefined && a.value === b.value && a.get === b.get && a.set === b.set;
}

/**
 * Structural equality: Node's `util.isDeepStrictEqual` (same prototypes, leaves
 * by `Object.is`, Set members and Map keys by content, cycles handled). If
 * student code has replaced one of the {@link iterated} intrinsics, the
 * originals are put back for the duration of this synchronous call and the
 * student's versions restored afterwards; a replacement that cannot be undone
 * (non-configurable) makes the check throw, so it fails rather than passes.
 */
export function deepEquals(a: unknown, b: unknown): boolean {
  const current: (PropertyDescriptor | undefined)[] = [];
  let patched = false;
  for (let i = 0; i < iterated.length; i++) {
    current[i] = ownDescriptor(iterated[i][0], iterated[i][1]);
    if (!sameDescriptor(current[i], pristine[i])) patched = true;
  }
  if (!patched) return deepStrictEqual(a, b);
  let restored = 0;
  try {
    for (; restored < iterated.length; restored++) {
      if (!sameDescriptor(current[restored], pristine[restored])) defineProperty(iterated[restored][0], iterated[restored][1], pristine[restored]);
    }
    return deepStrictEqual(a, b);
  } finally {
    for (let i = 0; i < restored; i++) {
      const now = current[i];
      if (sameDescriptor(now, pristine[i])) continue;
      if (now === undefined) delete (iterated[i][0] as Record<PropertyKey, unknown>)[iterated[i][1]];
      else defineProperty(iterated[i][0], iterated[i][1], now);
    }
  }
}
