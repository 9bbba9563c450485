"""jupyter_kernel_test (the Jupyter project's kernel conformance suite) filled in
for the cdlab TypeScript kernel. Run by test/kernel/jkt.test.ts; the suite
itself is not part of this repository."""
import unittest

import jupyter_kernel_test as jkt


class CdlabKernelTests(jkt.KernelTests):
    kernel_name = "cdlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("test")'

    completion_samples = [
        {"text": "Math.atan", "matches": {"atan", "atan2", "atanh"}},
    ]

    complete_code_samples = ["1", 'console.log("hello, world")', "function f(x: number) {\n  return x * 2;\n}"]
    incomplete_code_samples = ["function f(x: number) {", "const a = ["]
    invalid_code_samples = ["let = = ;", "const 1x = 2;"]

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
    ]

    code_display_data = [
        {"code": 'import { display } from "cdlab";\ndisplay.html("<b>oi</b>")', "mime": "text/html"},
        {"code": 'import { display } from "cdlab";\ndisplay.svg("<svg xmlns=\'http://www.w3.org/2000/svg\'></svg>")', "mime": "image/svg+xml"},
    ]

    code_inspect_sample = "Math.max"


if __name__ == "__main__":
    unittest.main()
