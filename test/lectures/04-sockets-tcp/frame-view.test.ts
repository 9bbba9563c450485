import { expect } from "chai";
import { utfFrameHtml } from "../../../src/lectures/04-sockets-tcp/frame-view";

describe("net/frame-view", function () {
  it("draws the length, each character's bytes, and standard UTF-8 beside it", function () {
    const { html, text } = utfFrameHtml("a\u0000𝄞");
    expect(html).to.include("comprimento = 9");
    expect(html).to.include("<code>C0 80</code>");
    expect(html).to.include("<code>ED A0 B4</code>");
    expect(html).to.include("U+D834 (surrogate)");
    expect(text).to.equal("writeUTF: 00 09 61 C0 80 ED A0 B4 ED B4 9E\nUTF-8:    61 00 F0 9D 84 9E");
  });
});
