// A real @nmshd/runtime 7.0.0 with one identity, driven line by line over stdin/stdout by the Rust
// interop tests (tests/api/runtime_interop.rs):
//
//   node driver.mjs <baseUrl> [clientId] [clientSecret]
//
// It subclasses Runtime as the real Connector does (in-memory LokiJS database instead of MongoDB),
// with the runtime's request, decider (no automation) and notification modules, so received Request
// messages become incoming requests and decided ones are answered by message automatically.
// It prints `READY <address>`, then reads one JSON command a line ({"cmd": "...", ...}) and answers
// one JSON line each: {"ok": <value>} or {"error": {"code", "message"}}.
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";

const require = createRequire(new URL("../../package.json", import.meta.url));
const loki = require("@js-soft/docdb-access-loki");
const tsUtils = require("@js-soft/ts-utils");
const { Runtime } = require("@nmshd/runtime");
const { ConsumptionController } = require("@nmshd/consumption");
const { AccountController } = require("@nmshd/transport");

const [baseUrl, clientId = process.env.BACKBONE_CLIENT_ID ?? "test", clientSecret = process.env.BACKBONE_CLIENT_SECRET ?? "test"] =
    process.argv.slice(2);
if (!baseUrl) {
    process.stderr.write("usage: node driver.mjs <baseUrl> [clientId] [clientSecret]\n");
    process.exit(2);
}

/** Logger that drops chatter and writes warnings and errors to stderr (the test shows it on failure). */
class StderrLogger {
    constructor(name) {
        this.name = name;
    }
    trace() {}
    debug() {}
    info() {}
    warn(...args) {
        this.write("WARN", args);
    }
    error(...args) {
        this.write("ERROR", args);
    }
    fatal(...args) {
        this.write("FATAL", args);
    }
    write(level, args) {
        const text = args.map((a) => (a instanceof Error ? `${a.code ?? ""} ${a.message}` : typeof a === "string" ? a : JSON.stringify(a))).join(" ");
        process.stderr.write(`[${level}] [${this.name}] ${text}\n`);
    }
}
const loggerFactory = { getLogger: (name) => new StderrLogger(typeof name === "function" ? name.name : String(name)) };

/** One identity, like the Connector's runtime: getServices ignores the address. */
class DriverRuntime extends Runtime {
    async createDatabaseConnection() {
        return loki.LokiJsConnection.inMemory();
    }

    async initAccount() {
        const db = await this.databaseConnection.getDatabase(`driver-${randomBytes(4).toString("hex")}`);
        const account = await new AccountController(this.transport, db, this.transport.config).init();
        const consumption = await new ConsumptionController(this.transport, account, { setDefaultOwnIdentityAttributes: false }).init();
        this.services = await this.login(account, consumption);
    }

    getServices() {
        return this.services;
    }

    async getHealth() {
        return { isHealthy: true, services: {} };
    }

    async loadModule(configuration) {
        throw new Error(`only the runtime's built-in modules are loaded here, not ${configuration.location}`);
    }
}

const runtime = new DriverRuntime(
    {
        transportLibrary: { baseUrl, platformClientId: clientId, platformClientSecret: clientSecret, datawalletEnabled: false, platformTimeout: 120000 },
        modules: {
            decider: { enabled: true, location: "@nmshd/runtime:DeciderModule" },
            request: { enabled: true, location: "@nmshd/runtime:RequestModule" },
            notification: { enabled: true, location: "@nmshd/runtime:NotificationModule" }
        }
    },
    loggerFactory,
    new tsUtils.EventEmitter2EventBus((error, namespace) => process.stderr.write(`[ERROR] [eventBus ${namespace}] ${error}\n`))
);

/** The value of a use case's Result, or a thrown error with its code. */
function value(result) {
    if (result.isError) {
        const error = new Error(result.error.message);
        error.code = result.error.code;
        throw error;
    }
    return result.value;
}

/** Waits until the runtime's event bus is idle, so the modules have handled what a sync delivered. */
async function settle() {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await runtime.eventBus.waitForRunningEventHandlers?.();
}

const commands = {
    async address(s) {
        return value(await s.transportServices.account.getIdentityInfo()).address;
    },
    async sync(s) {
        const changes = value(await s.transportServices.account.syncEverything());
        await settle();
        return changes;
    },
    async createOwnTemplate(s, c) {
        return value(await s.transportServices.relationshipTemplates.createOwnRelationshipTemplate({ content: c.content, expiresAt: c.expiresAt }));
    },
    async createTokenForTemplate(s, c) {
        return value(await s.transportServices.relationshipTemplates.createTokenForOwnRelationshipTemplate({ templateId: c.templateId }));
    },
    async loadPeerTemplate(s, c) {
        const template = value(await s.transportServices.relationshipTemplates.loadPeerRelationshipTemplate({ reference: c.reference }));
        await settle();
        return template;
    },
    async createRelationship(s, c) {
        return value(await s.transportServices.relationships.createRelationship({ templateId: c.templateId, creationContent: c.creationContent }));
    },
    async acceptRelationship(s, c) {
        return value(await s.transportServices.relationships.acceptRelationship({ relationshipId: c.relationshipId }));
    },
    async getRelationship(s, c) {
        return value(await s.transportServices.relationships.getRelationship({ id: c.id }));
    },
    async getRelationships(s, c) {
        return value(await s.transportServices.relationships.getRelationships({ query: c.query ?? {} }));
    },
    async sendMessage(s, c) {
        const message = value(await s.transportServices.messages.sendMessage({ recipients: c.recipients, content: c.content }));
        await settle();
        return message;
    },
    async getMessages(s, c) {
        return value(await s.transportServices.messages.getMessages({ query: c.query ?? {} }));
    },
    async createOutgoingRequest(s, c) {
        return value(await s.consumptionServices.outgoingRequests.create({ content: c.content, peer: c.peer }));
    },
    async canCreateOutgoingRequest(s, c) {
        return value(await s.consumptionServices.outgoingRequests.canCreate({ content: c.content, peer: c.peer }));
    },
    async getOutgoingRequest(s, c) {
        return value(await s.consumptionServices.outgoingRequests.getRequest({ id: c.id }));
    },
    async getIncomingRequest(s, c) {
        return value(await s.consumptionServices.incomingRequests.getRequest({ id: c.id }));
    },
    async getIncomingRequests(s, c) {
        return value(await s.consumptionServices.incomingRequests.getRequests({ query: c.query ?? {} }));
    },
    async canAcceptIncomingRequest(s, c) {
        return value(await s.consumptionServices.incomingRequests.canAccept({ requestId: c.id, items: c.items }));
    },
    async acceptIncomingRequest(s, c) {
        const request = value(await s.consumptionServices.incomingRequests.accept({ requestId: c.id, items: c.items }));
        await settle();
        return request;
    },
    async rejectIncomingRequest(s, c) {
        const request = value(await s.consumptionServices.incomingRequests.reject({ requestId: c.id, items: c.items }));
        await settle();
        return request;
    },
    async createOwnIdentityAttribute(s, c) {
        return value(await s.consumptionServices.attributes.createOwnIdentityAttribute({ content: { value: c.value, tags: c.tags } }));
    },
    async getAttribute(s, c) {
        return value(await s.consumptionServices.attributes.getAttribute({ id: c.id }));
    },
    async getAttributes(s, c) {
        return value(await s.consumptionServices.attributes.getAttributes({ query: c.query ?? {} }));
    }
};

async function handle(line) {
    let command;
    try {
        command = JSON.parse(line);
    } catch (e) {
        return { error: { code: "driver.badJson", message: e.message } };
    }
    const run = commands[command.cmd];
    if (!run) return { error: { code: "driver.unknownCommand", message: String(command.cmd) } };
    try {
        return { ok: (await run(runtime.getServices(), command)) ?? null };
    } catch (e) {
        return { error: { code: e.code ?? "driver.exception", message: e.message ?? String(e) } };
    }
}

async function main() {
    await runtime.init();
    await runtime.start();
    const address = await commands.address(runtime.getServices());
    process.stdout.write(`READY ${address}\n`);

    // Commands run one after another, in the order they arrive.
    let buffered = "";
    let queue = Promise.resolve();
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => {
        buffered += chunk;
        let newline;
        while ((newline = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            queue = queue.then(async () => process.stdout.write(`${JSON.stringify(await handle(line))}\n`));
        }
    });
    process.stdin.on("end", () => queue.then(() => process.exit(0)));
}

main().catch((e) => {
    process.stderr.write(`driver failed to start: ${e.code ?? ""} ${e.stack ?? e}\n`);
    process.exit(1);
});
