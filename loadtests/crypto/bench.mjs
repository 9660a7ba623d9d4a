// Runs the crypto hot paths with the real @nmshd/crypto 2.1.3 on node and reports ops/s per operation.
// Operation ids match the Rust criterion bench (crates/crypto/benches/crypto.rs), listed in ops.json.
//
// Usage: node loadtests/crypto/bench.mjs [--seconds S] [--json FILE] [--only ID[,ID...]]
//   --seconds  measuring time per operation after a short warm-up (default 5)
//   --json     also write {"ops": {id: {opsPerSec, iterations, seconds}}} to FILE
// Needs tests/node_modules (`npm ci` in tests/).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";

const require = createRequire(new URL("../../tests/package.json", import.meta.url));
let nc;
try {
    nc = require("@nmshd/crypto");
} catch (e) {
    process.stderr.write("cannot load @nmshd/crypto: run `npm ci` in tests/ (scripts/test-all.sh does it)\n");
    process.exit(3);
}
const { CoreBuffer, CryptoDerivation, CryptoEncryption, CryptoExchange, CryptoSignatures } = nc;

function parseArgs(argv) {
    const args = { seconds: 5, json: undefined, only: undefined };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (flag === "--seconds") args.seconds = Number(value);
        else if (flag === "--json") args.json = value;
        else if (flag === "--only") args.only = value.split(",");
        else throw new Error(`unknown argument ${flag}`);
        i++;
    }
    if (!(args.seconds > 0)) throw new Error("--seconds must be a positive number");
    return args;
}

const random = (n) => CoreBuffer.from(new Uint8Array(randomBytes(n)));

/** Builds each operation once (keys, messages) so only the operation itself is timed. */
async function operations() {
    const key = await CryptoEncryption.generateKey();
    const kib = random(1024);
    const mib = random(1024 * 1024);
    const signer = await CryptoSignatures.generateKeypair();
    const signature = await CryptoSignatures.sign(kib, signer.privateKey, 2);
    const templator = await CryptoExchange.generateKeypair();
    const requestor = await CryptoExchange.generateKeypair();
    const master = random(32);
    const salt = random(16);
    const password = CoreBuffer.fromUtf8("correct horse battery staple");
    const encryptDecrypt = (plaintext) => async () => {
        const cipher = await CryptoEncryption.encrypt(plaintext, key);
        await CryptoEncryption.decrypt(cipher, key);
    };
    let subkeyId = 0;
    return {
        encrypt_decrypt_1KiB: encryptDecrypt(kib),
        encrypt_decrypt_1MiB: encryptDecrypt(mib),
        sign_1KiB: () => CryptoSignatures.sign(kib, signer.privateKey, 2),
        verify_1KiB: async () => {
            if (!(await CryptoSignatures.verify(kib, signature, signer.publicKey))) throw new Error("verify failed");
        },
        kx_session_keys: () => CryptoExchange.deriveTemplator(templator, requestor.publicKey),
        kdf_subkey: () => CryptoDerivation.deriveKeyFromBase(master, subkeyId++ % 1000, "RELREQ01"),
        argon2id_transport: () => CryptoDerivation.deriveKeyFromPassword(password, salt, 3, "argon2id", 3, 20 * 1024 * 1024)
    };
}

async function measure(op, seconds) {
    const warmupEnd = performance.now() + Math.min(1000, seconds * 200);
    do await op();
    while (performance.now() < warmupEnd);
    let iterations = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    let now = start;
    // At least a few iterations, so a slow operation (1 MiB, Argon2id) still gets a usable mean.
    while (now < end || iterations < 5) {
        await op();
        iterations++;
        now = performance.now();
    }
    const elapsed = (now - start) / 1000;
    return { opsPerSec: iterations / elapsed, iterations, seconds: elapsed };
}

const args = parseArgs(process.argv.slice(2));
const spec = JSON.parse(readFileSync(new URL("./ops.json", import.meta.url), "utf8"));
await nc.SodiumWrapper.ready();
const ops = await operations();
const results = {};
for (const { id, label } of spec.ops) {
    if (args.only && !args.only.includes(id)) continue;
    if (!ops[id]) throw new Error(`ops.json lists ${id}, which bench.mjs does not implement`);
    const result = await measure(ops[id], args.seconds);
    results[id] = result;
    process.stderr.write(`node ${label.padEnd(40)} ${result.opsPerSec.toFixed(1).padStart(12)} ops/s  (${result.iterations} in ${result.seconds.toFixed(2)} s)\n`);
}
if (args.json) writeFileSync(args.json, JSON.stringify({ library: "@nmshd/crypto", node: process.version, ops: results }, null, 2) + "\n");
