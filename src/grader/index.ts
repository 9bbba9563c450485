// Public face of src/grader: the assertion API test cells use.
export { assert, AssertionError } from "./assert";
export type { Assert, ErrorMatcher } from "./assert";
export { observe, probe } from "./observe";
