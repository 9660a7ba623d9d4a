// The TypeScript side of the message interop with the Rust transport
// (crates/transport/tests/ts_message_interop.rs), line protocol on stdin/stdout:
//
//   node rust_message_peer.mjs <baseUrl>
//     creates a template and a token, prints `TOKEN <reference> <address>`, waits for
//     `REQUESTED <id>`, syncs, accepts, prints `ACCEPTED`; uploads a file and sends a message with it
//     attached to the Rust identity, prints `SENT <messageId> <fileId>`; waits for
//     `RUSTSENT <messageId> <fileId>`, syncs, checks the Rust message and its attachment's downloaded
//     bytes, prints `OK`.
//
// File contents are fixed so both sides can compare: "from TS " and "from Rust " repeated 1000 times.
// Failures go to stderr with the last HTTP exchanges; the exit code is 1.
import {
    CoreBuffer,
    CoreDate,
    FlowState,
    JSONWrapper,
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

const { RelationshipStatus, TokenContentRelationshipTemplate } = transportLib;

const say = (line) => process.stdout.write(`${line}\n`);
const inOneDay = () => CoreDate.utc().add({ days: 1 });
const bytesOf = (text) => CoreBuffer.from(new Uint8Array(Buffer.from(text, "utf8")));

async function expectLine(prefix) {
    const line = await readLine();
    ok(`expected a line starting with ${prefix}`, line.startsWith(prefix), line);
    return line.slice(prefix.length).trim();
}

async function run(state, baseUrl) {
    const transport = await initTransport(baseUrl);
    state.step = "onboard";
    const account = await openAccount(transport, await newDatabase("TS"));
    state.step = "create template and token";
    const template = await account.relationshipTemplates.sendRelationshipTemplate({
        content: JSONWrapper.from({ kind: "message-interop-template" }),
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
    state.step = "sync and accept";
    const changed = await syncEverything(account, "TS");
    const relationship = changed.relationships.find((r) => r.id.toString() === relationshipId);
    ok("the Rust relationship is among the changes", relationship, changed.relationships.map((r) => r.id.toString()));
    const accepted = await account.relationships.accept(relationship.id);
    eq("status after accept", accepted.status, RelationshipStatus.Active);
    const rustAddress = accepted.peer.address;
    say("ACCEPTED");

    state.step = "upload a file and send it to Rust";
    const tsBytes = bytesOf("from TS ".repeat(1000));
    const file = await account.files.sendFile({
        buffer: tsBytes,
        title: "TS file",
        description: "sent to Rust",
        filename: "ts.txt",
        mimetype: "text/plain",
        expiresAt: inOneDay()
    });
    const message = await account.messages.sendMessage({
        recipients: [rustAddress],
        content: JSONWrapper.from({ from: "TS", text: "hello Rust" }),
        attachments: [file]
    });
    say(`SENT ${message.id.toString()} ${file.id.toString()}`);

    state.step = "wait for the Rust message";
    const [rustMessageId, rustFileId] = (await expectLine("RUSTSENT")).split(" ");
    state.step = "sync and receive the Rust message";
    const received = await syncEverything(account, "TS");
    const m = received.messages.find((x) => x.id.toString() === rustMessageId);
    ok("the Rust message is among the changes", m, received.messages.map((x) => x.id.toString()));
    eq("message isOwn", m.isOwn, false);
    eq("message createdBy", m.createdBy.toString(), rustAddress.toString());
    eq("message content", plain(m.content), { from: "Rust", text: "hello TS" });
    eq("message attachments", m.attachments.map((id) => id.toString()), [rustFileId]);
    const rustFile = await account.files.getFile(m.attachments[0]);
    ok("attachment metadata was loaded", rustFile);
    eq("attachment filename", rustFile.filename, "rust.txt");
    eq("attachment owner", rustFile.owner.toString(), rustAddress.toString());
    state.step = "download the Rust attachment";
    const downloaded = await account.files.downloadFileContent(m.attachments[0]);
    eq("downloaded bytes", Buffer.from(downloaded.buffer).toString("utf8"), "from Rust ".repeat(1000));
    say("OK");
}

const [baseUrl] = process.argv.slice(2);
const state = new FlowState("rust-message-peer");
try {
    await runInFlow(state, () => run(state, baseUrl));
    process.exit(0);
} catch (e) {
    const lines = [`FAIL step "${state.step}": ${describeError(e)}`];
    if (state.loggedErrors.length > 0) lines.push("  errors logged by the client:", ...state.loggedErrors.slice(-10).map((l) => `    ${l}`));
    lines.push("  last HTTP exchanges:", ...state.trace.slice(-15).map((l) => `    ${l}`));
    process.stderr.write(`${lines.join("\n")}\n`);
    process.exit(1);
}
