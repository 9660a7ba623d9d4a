// Judge for crates/content's IQL module: reads { validate: [queryString…], execute: [{ query, attributes }…] }
// on stdin and answers with what the real @nmshd/iql says: validate → its IValidateResult per query,
// execute → { indices } or { error } (a thrown TypeError) per case. Run with TZ=UTC.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const iql = require("@nmshd/iql");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { validate, execute } = JSON.parse(input);

const report = {
    validate: validate.map((query) => iql.validate(query)),
    execute: execute.map(({ query, attributes }) => {
        try {
            return { indices: iql.execute(query, attributes) };
        } catch (e) {
            return { error: `${e?.constructor?.name}: ${e?.message}` };
        }
    })
};
process.stdout.write(JSON.stringify(report));
