// Shared helpers for the crypto interop scripts: loads the real TypeScript libraries pinned in
// tests/package.json (CommonJS packages, loaded through createRequire so these scripts stay ESM).
import { createRequire } from "node:module";
import { randomBytes, randomInt } from "node:crypto";

const require = createRequire(new URL("../../package.json", import.meta.url));

/** Loads a package from tests/node_modules, with a clear message when `npm ci` has not run. */
export function load(name) {
    try {
        return require(name);
    } catch (e) {
        if (e && e.code === "MODULE_NOT_FOUND") {
            process.stderr.write(`cannot load ${name}: run \`npm ci\` in tests/ (scripts/test-all.sh does it)\n`);
            process.exit(3);
        }
        throw e;
    }
}

export const nc = load("@nmshd/crypto");
export const coreTypes = load("@nmshd/core-types");
export const transport = load("@nmshd/transport");

/** The library version actually loaded, reported so a test log shows what it was judged against. */
export function versions() {
    return {
        "@nmshd/crypto": require("@nmshd/crypto/package.json").version,
        "@nmshd/core-types": require("@nmshd/core-types/package.json").version,
        "@nmshd/transport": require("@nmshd/transport/package.json").version,
        "libsodium-wrappers-sumo": require("libsodium-wrappers-sumo/package.json").version
    };
}

export const { CoreBuffer, Encoding } = nc;

export const fromHex = (hex) => CoreBuffer.fromString(hex, Encoding.Hex);
export const toHex = (buffer) => Buffer.from(buffer.buffer).toString("hex");
export const utf8 = (text) => CoreBuffer.fromUtf8(text);
export const randomBuffer = (length) => CoreBuffer.from(new Uint8Array(randomBytes(length)));
export const randomHex = (length) => randomBytes(length).toString("hex");
export { randomInt };

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** A Backbone-style id: prefix plus random alphanumerics to 20 characters. */
export function randomId(prefix) {
    let id = prefix;
    while (id.length < 20) id += ALNUM[randomInt(ALNUM.length)];
    return id;
}

/** Reads all of stdin (or the file named as first argument) as JSON. */
export async function readInput() {
    const file = process.argv[2];
    if (file && file !== "-") {
        const { readFile } = await import("node:fs/promises");
        return JSON.parse(await readFile(file, "utf8"));
    }
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** JSON of a value, cut to a readable length (a 70 kB hex string helps nobody in a test log). */
export function shorten(value) {
    const text = JSON.stringify(value) ?? String(value);
    return text.length <= 160 ? text : `${text.slice(0, 120)}… (${text.length} chars)`;
}

/** Collects named checks of one item; a failed check records what differed instead of throwing. */
export class Checks {
    constructor() {
        this.count = 0;
        this.failures = [];
    }

    eq(what, actual, expected) {
        this.count++;
        if (actual !== expected) this.failures.push(`${what}: got ${shorten(actual)}, expected ${shorten(expected)}`);
    }

    ok(what, condition) {
        this.count++;
        if (!condition) this.failures.push(`${what}: false`);
    }

    async rejects(what, promiseFactory) {
        this.count++;
        try {
            await promiseFactory();
            this.failures.push(`${what}: did not fail`);
        } catch (_) {
            // expected
        }
    }
}
