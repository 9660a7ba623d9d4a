// Judge for crates/content: reads a JSON array of content objects on stdin and reports, for each, whether
// the real @nmshd/content 7.0.0 accepts it (Serializable.fromUnknown, which also runs the class validators)
// and its normalized toJSON(). Output: JSON array of { accepted: true, json } | { accepted: false, error }.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Serializable } = require("@js-soft/ts-serval");
require("@nmshd/content"); // registers every content class with ts-serval
// file references (TransferFileOwnership items) parse their key material with libsodium
await require("@nmshd/crypto").SodiumWrapper.ready();

let input = "";
for await (const chunk of process.stdin) input += chunk;

const report = JSON.parse(input).map((item) => {
    try {
        return { accepted: true, json: Serializable.fromUnknown(item).toJSON() };
    } catch (e) {
        return { accepted: false, error: `${e?.constructor?.name}: ${e?.message}` };
    }
});
process.stdout.write(JSON.stringify(report));
