// Helpers for driving the real TypeScript client `@nmshd/transport` (pinned in tests/package.json)
// against a development Backbone: loading the packages, an HTTP trace per flow, a logger that
// collects the client's own error reports, assertions and account creation.
//
// Each flow runs inside an AsyncLocalStorage context, so several flows can share one node process
// and still keep their HTTP traces and error reports apart.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

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

const flowContext = new AsyncLocalStorage();
const TRACE_LENGTH = 40;

/** State of one flow: its label, the last HTTP exchanges and the errors the client logged. */
export class FlowState {
    constructor(label) {
        this.label = label;
        this.trace = [];
        this.loggedErrors = [];
        this.step = "start";
    }

    record(line) {
        this.trace.push(line);
        if (this.trace.length > TRACE_LENGTH) this.trace.shift();
    }
}

/** Runs `fn` with `state` as the current flow (HTTP trace and logged errors go there). */
export function runInFlow(state, fn) {
    return flowContext.run(state, fn);
}

const currentFlow = () => flowContext.getStore();

/** Hides device passwords and access tokens in trace lines. */
function redact(text) {
    return text
        .replace(/(password=)[^&\s]*/g, "$1***")
        .replace(/("(?:devicePassword|access_token|password|oldPassword|newPassword)":")(?:[^"\\]|\\.)*"/g, '$1***"');
}

/** JSON of a value (passwords and access tokens hidden), cut to a readable length. */
export function shorten(value, max = 300) {
    let text;
    if (value === undefined) return "undefined";
    if (typeof value === "string") text = value;
    else if (Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
    else if (value && typeof value.getBoundary === "function") return "<multipart form>";
    else {
        try {
            text = JSON.stringify(value);
        } catch (_) {
            text = String(value);
        }
    }
    if (text === undefined) text = String(value);
    text = redact(text);
    return text.length <= max ? text : `${text.slice(0, max - 40)}… (${text.length} chars)`;
}

// Every RESTClient of the transport creates its own axios instance through `axios.create`; wrapping
// it lets the flow record each request and response (method, path, status, bodies) without touching
// the client library.
const axios = load("axios");
const originalCreate = axios.create.bind(axios);
axios.create = (...args) => {
    const instance = originalCreate(...args);
    instance.interceptors.request.use((config) => {
        const flow = currentFlow();
        if (flow) {
            const query = config.params && Object.keys(config.params).length > 0 ? ` ?${shorten(config.params, 200)}` : "";
            config.__trace = `${(config.method ?? "get").toUpperCase()} ${config.url}${query}${config.data !== undefined ? ` body=${shorten(config.data)}` : ""}`;
        }
        return config;
    });
    instance.interceptors.response.use(
        (response) => {
            const flow = currentFlow();
            if (flow) flow.record(`${response.config.__trace ?? response.config.url} -> ${response.status} ${shorten(response.data)}`);
            return response;
        },
        (error) => {
            const flow = currentFlow();
            if (flow) {
                const status = error.response ? `${error.response.status} ${shorten(error.response.data)}` : `network error ${error.code ?? ""} ${error.message}`;
                flow.record(`${error.config?.__trace ?? error.config?.url ?? "?"} -> ${status}`);
            }
            return Promise.reject(error);
        }
    );
    return instance;
};

export const tsServal = load("@js-soft/ts-serval");
export const tsUtils = load("@js-soft/ts-utils");
export const loki = load("@js-soft/docdb-access-loki");
export const coreTypes = load("@nmshd/core-types");
export const crypto = load("@nmshd/crypto");
export const transportLib = load("@nmshd/transport");

export const { JSONWrapper, Serializable } = tsServal;
export const { CoreDate, CoreId, CoreAddress, FileReference } = coreTypes;
export const { CoreBuffer } = crypto;

/** Versions of the libraries actually loaded, so a test log shows what the server was judged against. */
export function versions() {
    return {
        "@nmshd/transport": require("@nmshd/transport/package.json").version,
        "@nmshd/crypto": require("@nmshd/crypto/package.json").version,
        "@nmshd/core-types": require("@nmshd/core-types/package.json").version
    };
}

function formatArgs(args) {
    return args
        .map((a) => {
            if (a instanceof Error) {
                const code = a.code ? `${a.code}: ` : "";
                return `${code}${a.message}`;
            }
            return shorten(a, 400);
        })
        .join(" ");
}

/** Logger factory for the transport: drops chatter, keeps error reports of the current flow. */
class CollectingLogger {
    constructor(name) {
        this.name = name;
    }
    trace() {}
    debug() {}
    info() {}
    warn() {}
    error(...args) {
        const flow = currentFlow();
        const line = `[${this.name}] ${formatArgs(args)}`;
        if (flow) flow.loggedErrors.push(line);
        else if (process.env.FLOW_VERBOSE) process.stderr.write(`${line}\n`);
    }
    fatal(...args) {
        this.error(...args);
    }
}

const loggerFactory = {
    getLogger(name) {
        return new CollectingLogger(typeof name === "function" ? name.name : String(name));
    }
};

export class AssertionFailed extends Error {}

/** Throws with a readable message when `actual !== expected` (deep comparison via JSON for objects). */
export function eq(what, actual, expected) {
    const same = typeof expected === "object" && expected !== null ? JSON.stringify(actual) === JSON.stringify(expected) : actual === expected;
    if (!same) throw new AssertionFailed(`${what}: got ${shorten(actual)}, expected ${shorten(expected)}`);
}

export function ok(what, condition, detail) {
    if (!condition) throw new AssertionFailed(`${what}${detail !== undefined ? `: ${shorten(detail)}` : ""}`);
}

/** Plain JSON of a content object the client decrypted (JSONWrapper or another Serializable). */
export function plain(content) {
    if (content === undefined || content === null) return content;
    if (content instanceof JSONWrapper) return content.value;
    if (typeof content.toJSON === "function") return content.toJSON();
    return content;
}

export const randomBuffer = (length) => CoreBuffer.from(new Uint8Array(randomBytes(length)));

let sharedTransport;
let sharedConnection;
let databaseCounter = 0;

/** One Transport and one in-memory database connection per process, shared by all flows. */
export async function initTransport(baseUrl) {
    if (sharedTransport) return sharedTransport;
    const eventBus = new tsUtils.EventEmitter2EventBus((error) => {
        const flow = currentFlow();
        const line = `[eventBus] ${formatArgs([error])}`;
        if (flow) flow.loggedErrors.push(line);
    });
    const transport = new transportLib.Transport(
        {
            baseUrl,
            platformClientId: process.env.BACKBONE_CLIENT_ID ?? "test",
            platformClientSecret: process.env.BACKBONE_CLIENT_SECRET ?? "test",
            supportedIdentityVersion: 1,
            datawalletEnabled: false,
            debug: false,
            platformTimeout: 120000
        },
        eventBus,
        loggerFactory
    );
    await transport.init();
    sharedTransport = transport;
    sharedConnection = loki.LokiJsConnection.inMemory();
    return transport;
}

/** A fresh local database (for a new identity). */
export async function newDatabase(prefix) {
    databaseCounter++;
    return await sharedConnection.getDatabase(`${prefix}-${databaseCounter}-${randomBytes(4).toString("hex")}`);
}

/** Creates a new identity on the Backbone (no local data in `db` yet) or logs in to an existing one. */
export async function openAccount(transport, db) {
    const account = new transportLib.AccountController(transport, db, transport.config);
    await account.init();
    return account;
}

/**
 * `syncEverything` that fails when the client reported an error while applying external events
 * (the transport swallows those, sends an error code to the Backbone and goes on).
 */
export async function syncEverything(account, who) {
    const flow = currentFlow();
    const before = flow ? flow.loggedErrors.length : 0;
    const changed = await account.syncEverything();
    if (flow && flow.loggedErrors.length > before) {
        throw new AssertionFailed(`${who}: the client reported errors while syncing: ${flow.loggedErrors.slice(before).join(" | ")}`);
    }
    return changed;
}

/** Describes a thrown error including the Backbone's error code, status and request when present. */
export function describeError(e) {
    if (!e) return String(e);
    if (e instanceof AssertionFailed) return e.message;
    const parts = [];
    const message = e.message ?? String(e);
    // A RequestError's message already names code, status, method and path.
    if (e.code && !message.includes(e.code)) parts.push(e.code);
    parts.push(message);
    if (e.cause) parts.push(`cause: ${describeError(e.cause)}`);
    return parts.join(" | ");
}

/** Reads one line from stdin (used to pause a flow while the test restarts the server). */
export function readLine() {
    return new Promise((resolve, reject) => {
        let buffered = "";
        const onData = (chunk) => {
            buffered += chunk.toString("utf8");
            const newline = buffered.indexOf("\n");
            if (newline >= 0) {
                cleanup();
                resolve(buffered.slice(0, newline).trim());
            }
        };
        const onEnd = () => {
            cleanup();
            reject(new Error("stdin closed while waiting for a line"));
        };
        const cleanup = () => {
            process.stdin.off("data", onData);
            process.stdin.off("end", onEnd);
            process.stdin.pause();
        };
        process.stdin.on("data", onData);
        process.stdin.on("end", onEnd);
        process.stdin.resume();
    });
}
