// Judge for crates/content's tag validation: runs the real @nmshd/consumption 7.0.0
// AttributesController.isValidTag for each { tag, valueType } against the collection given on stdin.
// Input: { "collection": AttributeTagCollection, "cases": [{ "tag", "valueType" }] }. Output: [bool, ...].
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { AttributesController } = require("@nmshd/consumption");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { collection, cases } = JSON.parse(input);

const isValidTag = AttributesController.prototype.isValidTag;
const verdicts = cases.map(({ tag, valueType }) => isValidTag.call({}, tag, collection.tagsForAttributeValueTypes[valueType]));
process.stdout.write(JSON.stringify(verdicts));
