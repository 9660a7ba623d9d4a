// The TypeScript side of the relationship interop with the Rust transport
// (crates/transport/tests/ts_interop.rs), one identity per run, talking to the Rust test line by line:
//
//   node rust_peer.mjs <baseUrl> request <tokenReference>
//     loads the Rust template through the token reference, requests a relationship,
//     prints `RELATIONSHIP <id> <address>`, waits for `ACCEPTED`, syncs, checks Active, prints `OK`.
//   node rust_peer.mjs <baseUrl> template
//     creates a template and a token, prints `TOKEN <reference> <address>`, waits for
//     `REQUESTED <id>`, syncs, checks the pending relationship, accepts, prints `ACCEPTED`.
//   Then, in both modes: waits for `RUST_SENT <messageId>`, syncs, checks the Rust message, sends one
//   back and prints `SENT <messageId>`.
//
// Failures go to stderr with the last HTTP exchanges; the exit code is 1.
import {
    FlowState,
    JSONWrapper,
    CoreDate,
    describeError,
    eq,
    initTransport,
    newDatabase,
    ok,
    openAccount,
    plain,
    readLine,
    runInFlow,
    syncEverything,
    transportLib
} from "./lib.mjs";

const { RelationshipStatus, TokenContentRelationshipTemplate, TokenReference } = transportLib;

const TEMPLATE_CONTENT = { "@type": "JSONWrapper", value: { kind: "rust-interop-template", from: "TS" } };
const CREATION_CONTENT = { "@type": "JSONWrapper", value: { kind: "rust-interop-request", from: "TS" } };
const RUST_TEMPLATE_CONTENT = { kind: "rust-interop-template", from: "Rust" };
const RUST_CREATION_CONTENT = { kind: "rust-interop-request", from: "Rust" };

const RUST_MESSAGE = { kind: "rust-interop-message", from: "Rust" };
const TS_MESSAGE = { kind: "rust-interop-message", from: "TS" };

/** Messages both ways over the new relationship: the secrets of both sides fit. */
async function exchangeMessages(state, account, rustAddress) {
    state.step = "wait for the Rust message";
    const messageId = await expectLine("RUST_SENT");
    state.step = "receive the Rust message";
    const changed = await syncEverything(account, "TS");
    const message = changed.messages.find((m) => m.id.toString() === messageId);
    ok("the Rust message is among the changes", message, changed.messages.map((m) => m.id.toString()));
    eq("message sender", message.createdBy.toString(), rustAddress);
    eq("message content", plain(message.content), RUST_MESSAGE);
    state.step = "send a message to Rust";
    const sent = await account.messages.sendMessage({ recipients: [rustAddress], content: JSONWrapper.from(TS_MESSAGE) });
    say(`SENT ${sent.id.toString()}`);
}

const say = (line) => process.stdout.write(`${line}\n`);
const inOneDay = () => CoreDate.utc().add({ days: 1 });

async function expectLine(prefix) {
    const line = await readLine();
    ok(`expected a line starting with ${prefix}`, line.startsWith(prefix), line);
    return line.slice(prefix.length).trim();
}

async function requestor(state, baseUrl, tokenReference) {
    const transport = await initTransport(baseUrl);
    state.step = "onboard";
    const account = await openAccount(transport, await newDatabase("TS"));
    state.step = "load the Rust token";
    const token = await account.tokens.loadPeerTokenByReference(TokenReference.from(tokenReference), true);
    ok("token content is a TokenContentRelationshipTemplate", token.content instanceof TokenContentRelationshipTemplate, token.content);
    state.step = "load the Rust template";
    const template = await account.relationshipTemplates.loadPeerRelationshipTemplateByTokenContent(token.content);
    eq("template content", plain(template.content), RUST_TEMPLATE_CONTENT);
    eq("template createdBy", template.createdBy.toString(), template.identity.address.toString());
    state.step = "request the relationship";
    const relationship = await account.relationships.sendRelationship({
        template,
        creationContent: JSONWrapper.from(CREATION_CONTENT.value)
    });
    eq("status", relationship.status, RelationshipStatus.Pending);
    say(`RELATIONSHIP ${relationship.id.toString()} ${account.identity.address.toString()}`);
    state.step = "wait for the Rust accept";
    await expectLine("ACCEPTED");
    state.step = "sync after the accept";
    await syncEverything(account, "TS");
    const active = await account.relationships.getRelationship(relationship.id);
    eq("status after sync", active.status, RelationshipStatus.Active);
    eq("audit log", active.auditLog.map((e) => e.reason), ["Creation", "AcceptanceOfCreation"]);
    say("OK");
    await exchangeMessages(state, account, template.createdBy.toString());
}

async function templator(state, baseUrl) {
    const transport = await initTransport(baseUrl);
    state.step = "onboard";
    const account = await openAccount(transport, await newDatabase("TS"));
    state.step = "create template and token";
    const template = await account.relationshipTemplates.sendRelationshipTemplate({
        content: JSONWrapper.from(TEMPLATE_CONTENT.value),
        expiresAt: inOneDay(),
        maxNumberOfAllocations: 5
    });
    const token = await account.tokens.sendToken({
        content: TokenContentRelationshipTemplate.from({ templateId: template.id, secretKey: template.secretKey }),
        expiresAt: inOneDay(),
        ephemeral: false
    });
    say(`TOKEN ${token.toTokenReference(baseUrl).truncate()} ${account.identity.address.toString()}`);
    state.step = "wait for the Rust request";
    const relationshipId = await expectLine("REQUESTED");
    state.step = "sync and find the request";
    const changed = await syncEverything(account, "TS");
    const relationship = changed.relationships.find((r) => r.id.toString() === relationshipId);
    ok("the Rust relationship is among the changes", relationship, changed.relationships.map((r) => r.id.toString()));
    eq("status", relationship.status, RelationshipStatus.Pending);
    eq("creation content", plain(relationship.creationContent), RUST_CREATION_CONTENT);
    state.step = "accept";
    const accepted = await account.relationships.accept(relationship.id);
    eq("status after accept", accepted.status, RelationshipStatus.Active);
    say("ACCEPTED");
    await exchangeMessages(state, account, relationship.peer.address.toString());
}

const [baseUrl, mode, reference] = process.argv.slice(2);
const state = new FlowState(`rust-peer ${mode}`);
try {
    await runInFlow(state, () => (mode === "request" ? requestor(state, baseUrl, reference) : templator(state, baseUrl)));
    process.exit(0);
} catch (e) {
    const lines = [`FAIL step "${state.step}": ${describeError(e)}`];
    if (state.loggedErrors.length > 0) lines.push("  errors logged by the client:", ...state.loggedErrors.slice(-10).map((l) => `    ${l}`));
    lines.push("  last HTTP exchanges:", ...state.trace.slice(-15).map((l) => `    ${l}`));
    process.stderr.write(`${lines.join("\n")}\n`);
    process.exit(1);
}
