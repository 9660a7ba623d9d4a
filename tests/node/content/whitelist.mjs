// Judge for crates/content's character whitelist: takes the regex out of the real @nmshd/consumption 7.0.0
// AttributesController.validateAttributeCharacters and reports which single BMP code points it accepts
// (surrogates excluded) and its verdict for each string of the JSON array on stdin.
// Output: { "acceptedCodePoints": [..], "strings": [bool, ..] }.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { AttributesController } = require("@nmshd/consumption");

const source = AttributesController.prototype.validateAttributeCharacters.toString();
const literal = source.match(/const regex\s*=\s*(\/.*\/[a-z]*);/)?.[1];
if (!literal) throw new Error("validateAttributeCharacters no longer declares `const regex = /…/`");
const regex = new Function(`return ${literal};`)();

let input = "";
for await (const chunk of process.stdin) input += chunk;

const acceptedCodePoints = [];
for (let cp = 0; cp <= 0xffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (regex.test(String.fromCharCode(cp))) acceptedCodePoints.push(cp);
}
const strings = JSON.parse(input).map((s) => regex.test(s));
process.stdout.write(JSON.stringify({ acceptedCodePoints, strings }));
