// Prints the Rust (criterion) and TypeScript (bench.mjs) rates of each crypto operation side by side,
// with the Rust/TS ratio. Fails if either side has no result for an operation listed in ops.json.
//
// Usage: node loadtests/crypto/report.mjs --criterion DIR --node FILE [--json FILE]
//   DIR   criterion's output directory (CRITERION_HOME); read: DIR/crypto/<id>/new/estimates.json
//   FILE  the --json output of bench.mjs
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
if (!args.criterion || !args.node) {
    process.stderr.write("usage: report.mjs --criterion DIR --node FILE [--json FILE]\n");
    process.exit(2);
}

const spec = JSON.parse(readFileSync(new URL("./ops.json", import.meta.url), "utf8"));
const nodeResults = JSON.parse(readFileSync(args.node, "utf8"));
const rows = [];
const missing = [];
for (const { id, label } of spec.ops) {
    const estimates = join(args.criterion, "crypto", id, "new", "estimates.json");
    if (!existsSync(estimates)) missing.push(`Rust ${id} (${estimates})`);
    if (!nodeResults.ops[id]) missing.push(`node ${id}`);
    if (!existsSync(estimates) || !nodeResults.ops[id]) continue;
    // criterion reports nanoseconds per iteration; one iteration is one operation.
    const meanNs = JSON.parse(readFileSync(estimates, "utf8")).mean.point_estimate;
    const rust = 1e9 / meanNs;
    const ts = nodeResults.ops[id].opsPerSec;
    rows.push({ id, label, rustOpsPerSec: rust, tsOpsPerSec: ts, ratio: rust / ts });
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const header = ["operation", "Rust ops/s", "TS ops/s", "Rust/TS"];
const table = rows.map((r) => [r.label, fmt(r.rustOpsPerSec), fmt(r.tsOpsPerSec), `${r.ratio.toFixed(1)}x`]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
console.log(`\ncrypto benchmark: nmshd-crypto (Rust, criterion) vs @nmshd/crypto 2.1.3 (node ${nodeResults.node})`);
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table) console.log(line(row));
if (args.json) writeFileSync(args.json, JSON.stringify({ node: nodeResults.node, rows }, null, 2) + "\n");
if (missing.length > 0) {
    process.stderr.write(`missing results: ${missing.join(", ")}\n`);
    process.exit(1);
}
