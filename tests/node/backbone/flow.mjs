// Interop flow: the real `@nmshd/transport` client against a Backbone-compatible server.
//
//   node tests/node/backbone/flow.mjs <baseUrl> [--pause] [--flows N] [--label L]
//
// Two identities (A = templator, B = requestor) and a third (C, loads the template later) run:
// onboarding, template + token, relationship request/accept, messages both ways (one with a file
// attachment), file exchange through a file token and a file reference, termination, reactivation
// (request + accept, with a message held back while terminated), decomposition by both sides.
// Every step checks what the client sees. One line `ok <step>` per step (with one flow), or one
// line per finished flow (with several). Exit 0 on success, 1 on any failed check.
//
// --pause: stop twice, each time printing `PAUSE` and waiting for the line `continue` on stdin (the
// test restarts the server meanwhile). First after the relationship is active and A has sent a
// message with an attachment (not yet received by B); afterwards A logs in again from its local data,
// B re-authenticates, B receives the message and downloads the attachment, C loads the template
// through the token created before the restart. Second after A accepted the reactivation (B has not
// synced yet); afterwards both re-authenticate and B gets the relationship change and the message
// that was held back while the relationship was terminated.
// --flows N: N independent flows (each with its own identities) run concurrently in this process.
import { randomBytes } from "node:crypto";
import {
    AssertionFailed,
    CoreDate,
    FileReference,
    FlowState,
    JSONWrapper,
    describeError,
    eq,
    initTransport,
    newDatabase,
    ok,
    openAccount,
    plain,
    randomBuffer,
    readLine,
    runInFlow,
    syncEverything,
    transportLib,
    versions
} from "./lib.mjs";

const { RelationshipStatus, TokenContentRelationshipTemplate, TokenContentFile, TokenReference, RelationshipTemplateReference } = transportLib;

function parseArgs(argv) {
    const options = { baseUrl: undefined, pause: false, flows: 1, label: "" };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--pause") options.pause = true;
        else if (arg === "--flows") options.flows = Number.parseInt(argv[++i], 10);
        else if (arg === "--label") options.label = argv[++i];
        else if (!options.baseUrl && !arg.startsWith("--")) options.baseUrl = arg;
        else throw new Error(`unknown argument ${arg}`);
    }
    if (!options.baseUrl) throw new Error("usage: flow.mjs <baseUrl> [--pause] [--flows N] [--label L]");
    if (!Number.isInteger(options.flows) || options.flows < 1) throw new Error("--flows needs a positive integer");
    return options;
}

/** Lets all flows of the process reach the pause point, then prints PAUSE once and waits for stdin. */
class PauseBarrier {
    constructor(expected) {
        this.expected = expected;
        this.arrived = 0;
        this.released = undefined;
        this.promise = new Promise((resolve, reject) => {
            this.resolve = resolve;
            this.reject = reject;
        });
    }

    async arrive() {
        this.arrived++;
        this.check();
        return await this.promise;
    }

    leave() {
        this.expected--;
        this.check();
    }

    check() {
        if (this.released || this.arrived === 0 || this.arrived < this.expected) return;
        this.released = true;
        process.stdout.write("PAUSE\n");
        readLine().then((line) => {
            if (line !== "continue") this.reject(new Error(`expected 'continue' on stdin, got '${line}'`));
            else this.resolve();
        }, this.reject);
    }
}

const bytesEqual = (a, b) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
const inOneDay = () => CoreDate.utc().add({ days: 1 });
const lastAuditEntry = (relationship) => relationship.auditLog[relationship.auditLog.length - 1];

async function runFlow(state, options, barriers, verbose) {
    const baseUrl = options.baseUrl;
    const hostname = new URL(baseUrl).hostname;
    const nonce = randomBytes(6).toString("base64url");
    const step = async (name, fn) => {
        state.step = name;
        const result = await fn();
        state.stepsDone = (state.stepsDone ?? 0) + 1;
        if (verbose) process.stdout.write(`ok ${name}\n`);
        return result;
    };
    const findById = (items, id, what) => {
        const item = items.find((x) => x.id.equals(id));
        ok(`${what} ${id.toString()} is among the changed items`, item, items.map((x) => x.id.toString()));
        return item;
    };
    const uploadFile = async (account, name, size) => {
        const bytes = randomBuffer(size);
        const file = await account.files.sendFile({
            buffer: bytes,
            title: `${name} ${nonce}`,
            description: `interop file ${name}`,
            filename: `${name}.bin`,
            mimetype: "application/octet-stream",
            expiresAt: inOneDay()
        });
        ok(`${name}: file id is a FIL id`, file.id.toString().startsWith("FIL"), file.id.toString());
        eq(`${name}: own file isOwn`, file.isOwn, true);
        eq(`${name}: filesize`, file.filesize, size);
        return { file, bytes };
    };
    const checkDownload = async (account, who, fileId, expectedBytes) => {
        const downloaded = await account.files.downloadFileContent(fileId);
        eq(`${who}: downloaded size of ${fileId.toString()}`, downloaded.length, expectedBytes.length);
        ok(`${who}: downloaded bytes of ${fileId.toString()} equal the upload`, bytesEqual(downloaded, expectedBytes));
    };

    const transport = await initTransport(baseUrl);

    // --- onboarding ---
    const dbA = await newDatabase("A");
    let A = await step("onboard A", () => openAccount(transport, dbA));
    const B = await step("onboard B", async () => openAccount(transport, await newDatabase("B")));
    const addressA = A.identity.address;
    const addressB = B.identity.address;
    for (const [who, address] of [
        ["A", addressA],
        ["B", addressB]
    ]) {
        ok(`${who}: address is a did:e address of ${hostname}`, address.toString().startsWith(`did:e:${hostname}:dids:`), address.toString());
    }
    ok("A and B have different addresses", !addressA.equals(addressB), addressA.toString());

    // --- template and token (A) ---
    const templateContent = { kind: "interop-template", nonce, offer: { name: "A's template", items: [1, 2, 3] } };
    const template = await step("A creates a relationship template", async () => {
        const t = await A.relationshipTemplates.sendRelationshipTemplate({
            content: JSONWrapper.from(templateContent),
            expiresAt: inOneDay(),
            maxNumberOfAllocations: 5
        });
        ok("template id is a RLT id", t.id.toString().startsWith("RLT"), t.id.toString());
        eq("own template isOwn", t.isOwn, true);
        return t;
    });
    const templateToken = await step("A creates a token for the template", async () => {
        const t = await A.tokens.sendToken({
            content: TokenContentRelationshipTemplate.from({ templateId: template.id, secretKey: template.secretKey }),
            expiresAt: inOneDay(),
            ephemeral: false
        });
        ok("token id is a TOK id", t.id.toString().startsWith("TOK"), t.id.toString());
        return t;
    });
    const templateTokenReference = templateToken.toTokenReference(baseUrl).truncate();

    // --- B loads the template through the token reference and requests a relationship ---
    const peerTemplate = await step("B loads the template through the token reference", async () => {
        const token = await B.tokens.loadPeerTokenByReference(TokenReference.from(templateTokenReference), true);
        eq("B: token id", token.id.toString(), templateToken.id.toString());
        eq("B: token isOwn", token.isOwn, false);
        eq("B: token createdBy", token.createdBy.toString(), addressA.toString());
        ok("B: token content is a TokenContentRelationshipTemplate", token.content instanceof TokenContentRelationshipTemplate, token.content);
        eq("B: token content templateId", token.content.templateId.toString(), template.id.toString());
        const t = await B.relationshipTemplates.loadPeerRelationshipTemplateByTokenContent(token.content);
        eq("B: template id", t.id.toString(), template.id.toString());
        eq("B: template isOwn", t.isOwn, false);
        eq("B: template createdBy", t.createdBy.toString(), addressA.toString());
        eq("B: template identity", t.identity.address.toString(), addressA.toString());
        eq("B: template content", plain(t.content), templateContent);
        eq("B: template maxNumberOfAllocations", t.maxNumberOfAllocations, 5);
        return t;
    });
    const creationContent = { kind: "interop-request", nonce, from: "B" };
    const relationshipId = await step("B requests a relationship", async () => {
        const r = await B.relationships.sendRelationship({ template: peerTemplate, creationContent: JSONWrapper.from(creationContent) });
        ok("relationship id is a REL id", r.id.toString().startsWith("REL"), r.id.toString());
        eq("B: new relationship status", r.status, RelationshipStatus.Pending);
        eq("B: relationship peer", r.peer.address.toString(), addressA.toString());
        return r.id;
    });

    // --- A syncs, sees the request and accepts ---
    await step("A syncs and sees the pending relationship", async () => {
        const changed = await syncEverything(A, "A");
        const r = findById(changed.relationships, relationshipId, "A: relationship");
        eq("A: relationship status", r.status, RelationshipStatus.Pending);
        eq("A: relationship peer", r.peer.address.toString(), addressB.toString());
        eq("A: relationship templateId", r.templateId.toString(), template.id.toString());
        eq("A: relationship creation content", plain(r.creationContent), creationContent);
        eq("A: audit log", r.auditLog.map((e) => e.reason), ["Creation"]);
    });
    await step("A accepts the relationship", async () => {
        const r = await A.relationships.accept(relationshipId);
        eq("A: status after accept", r.status, RelationshipStatus.Active);
    });
    await step("B syncs and sees the relationship active", async () => {
        const changed = await syncEverything(B, "B");
        const r = findById(changed.relationships, relationshipId, "B: relationship");
        eq("B: relationship status", r.status, RelationshipStatus.Active);
        eq("B: audit log", r.auditLog.map((e) => e.reason), ["Creation", "AcceptanceOfCreation"]);
        eq("B: stored relationship status", (await B.relationships.getRelationship(relationshipId)).status, RelationshipStatus.Active);
    });

    // --- message A -> B with a file attachment ---
    const f1 = await step("A uploads a file", () => uploadFile(A, "f1", 20000 + Math.floor(Math.random() * 5000)));
    const m1Content = { kind: "interop-message", nonce, text: "hello B, see attachment", n: 1 };
    const m1 = await step("A sends a message with the file attached to B", async () => {
        const m = await A.messages.sendMessage({ recipients: [addressB], content: JSONWrapper.from(m1Content), attachments: [f1.file] });
        ok("message id is a MSG id", m.id.toString().startsWith("MSG"), m.id.toString());
        return m;
    });

    if (options.pause) {
        await barriers[0].arrive();
        await step("A logs in again from its local data", async () => {
            A = await openAccount(transport, dbA);
            eq("A: address after login", A.identity.address.toString(), addressA.toString());
            eq("A: relationship still active locally", (await A.relationships.getRelationship(relationshipId)).status, RelationshipStatus.Active);
        });
        await step("B authenticates again", async () => {
            B.authenticator.clear();
            await B.authenticator.authenticate();
        });
    }

    await step("B syncs and receives the message with the attachment", async () => {
        const changed = await syncEverything(B, "B");
        const m = findById(changed.messages, m1.id, "B: message");
        eq("B: message isOwn", m.isOwn, false);
        eq("B: message createdBy", m.createdBy.toString(), addressA.toString());
        eq("B: message content", plain(m.content), m1Content);
        eq("B: message attachments", m.attachments.map((id) => id.toString()), [f1.file.id.toString()]);
        const file = await B.files.getFile(f1.file.id);
        ok("B: attachment metadata was loaded", file);
        eq("B: attachment filename", file.filename, "f1.bin");
        eq("B: attachment title", file.title, `f1 ${nonce}`);
        eq("B: attachment filesize", file.filesize, f1.bytes.length);
        eq("B: attachment owner", file.owner.toString(), addressA.toString());
        eq("B: attachment isOwn", file.isOwn, false);
    });
    await step("B downloads the attachment", () => checkDownload(B, "B", f1.file.id, f1.bytes));
    await step("A sees the message as received by B", async () => {
        const [m] = await A.messages.updateBackboneData([m1.id.toString()]);
        ok("A: own message was returned", m);
        eq("A: recipients", m.recipients.map((r) => r.address.toString()), [addressB.toString()]);
        ok("A: recipient receivedAt is set", m.recipients[0].receivedAt, m.recipients[0]);
    });

    // --- C (a third identity) loads the template through the token and the template reference ---
    const C = await step("C loads the template through the token and the template reference", async () => {
        const C = await openAccount(transport, await newDatabase("C"));
        const token = await C.tokens.loadPeerTokenByReference(TokenReference.from(templateTokenReference), true);
        eq("C: token content templateId", token.content.templateId.toString(), template.id.toString());
        const reference = template.toRelationshipTemplateReference(baseUrl).truncate();
        const t = await C.relationshipTemplates.loadPeerRelationshipTemplateByReference(RelationshipTemplateReference.from(reference));
        eq("C: template createdBy", t.createdBy.toString(), addressA.toString());
        eq("C: template content", plain(t.content), templateContent);
        return C;
    });
    await step("C loads a password-protected token and template (wrong password refused)", async () => {
        const protectedContent = { kind: "interop-protected-template", nonce };
        const protectedTemplate = await A.relationshipTemplates.sendRelationshipTemplate({
            content: JSONWrapper.from(protectedContent),
            expiresAt: inOneDay(),
            passwordProtection: { password: "correct horse", passwordType: "pw" }
        });
        const protectedToken = await A.tokens.sendToken({
            content: TokenContentRelationshipTemplate.from({ templateId: template.id, secretKey: template.secretKey }),
            expiresAt: inOneDay(),
            ephemeral: false,
            passwordProtection: { password: "4711", passwordType: "pin4" }
        });
        const tokenReference = TokenReference.from(protectedToken.toTokenReference(baseUrl).truncate());
        const templateReference = RelationshipTemplateReference.from(protectedTemplate.toRelationshipTemplateReference(baseUrl).truncate());
        ok("C: token reference carries the password protection", tokenReference.passwordProtection?.passwordType === "pin4", tokenReference.passwordProtection);

        const refused = async (what, promise) => {
            const outcome = await promise.then(
                (value) => ({ value }),
                (error) => ({ error })
            );
            ok(`${what} with a wrong password is refused`, outcome.error, outcome.value?.id?.toString());
            eq(`${what} with a wrong password: error code`, outcome.error.code, "error.platform.recordNotFound");
        };
        await refused("C: token", C.tokens.loadPeerTokenByReference(tokenReference, true, "0000"));
        const token = await C.tokens.loadPeerTokenByReference(tokenReference, true, "4711");
        eq("C: protected token content templateId", token.content.templateId.toString(), template.id.toString());

        await refused("C: template", C.relationshipTemplates.loadPeerRelationshipTemplateByReference(templateReference, "wrong horse"));
        const t = await C.relationshipTemplates.loadPeerRelationshipTemplateByReference(templateReference, "correct horse");
        eq("C: protected template content", plain(t.content), protectedContent);
        eq("C: protected template createdBy", t.createdBy.toString(), addressA.toString());
    });

    // --- message B -> A ---
    const m2Content = { kind: "interop-message", nonce, text: "hello A", n: 2, unicode: "äöü ✓ 🦀" };
    const m2 = await step("B sends a message to A", () => B.messages.sendMessage({ recipients: [addressA], content: JSONWrapper.from(m2Content) }));
    await step("A syncs and receives the message", async () => {
        const changed = await syncEverything(A, "A");
        const m = findById(changed.messages, m2.id, "A: message");
        eq("A: message createdBy", m.createdBy.toString(), addressB.toString());
        eq("A: message content", plain(m.content), m2Content);
        eq("A: message attachments", m.attachments.length, 0);
        eq("A: message relationship", m.recipients[0].relationshipId?.toString(), relationshipId.toString());
    });

    // --- files by token and by reference ---
    const f2 = await step("A uploads a file and creates a token for it", async () => {
        const upload = await uploadFile(A, "f2", 70000);
        const token = await A.tokens.sendToken({
            content: TokenContentFile.from({ fileId: upload.file.id, secretKey: upload.file.secretKey }),
            expiresAt: inOneDay(),
            ephemeral: false
        });
        return { ...upload, tokenReference: token.toTokenReference(baseUrl).truncate() };
    });
    await step("B loads the file through the token and downloads it", async () => {
        const token = await B.tokens.loadPeerTokenByReference(TokenReference.from(f2.tokenReference), true);
        ok("B: token content is a TokenContentFile", token.content instanceof TokenContentFile, token.content);
        const file = await B.files.getOrLoadFile(token.content.fileId, token.content.secretKey);
        eq("B: file id", file.id.toString(), f2.file.id.toString());
        eq("B: file filename", file.filename, "f2.bin");
        eq("B: file owner", file.owner.toString(), addressA.toString());
        await checkDownload(B, "B", file.id, f2.bytes);
    });
    const f3 = await step("B uploads a file", () => uploadFile(B, "f3", 1234));
    await step("A loads the file through its reference and downloads it", async () => {
        const reference = f3.file.toFileReference(baseUrl).truncate();
        const file = await A.files.getOrLoadFileByReference(FileReference.from(reference));
        eq("A: file id", file.id.toString(), f3.file.id.toString());
        eq("A: file filename", file.filename, "f3.bin");
        eq("A: file description", file.description, "interop file f3");
        eq("A: file owner", file.owner.toString(), addressB.toString());
        await checkDownload(A, "A", file.id, f3.bytes);
    });

    // --- termination, a message held back while terminated, reactivation ---
    await step("A terminates the relationship", async () => {
        const r = await A.relationships.terminate(relationshipId);
        eq("A: status after terminate", r.status, RelationshipStatus.Terminated);
    });
    await step("B syncs and sees the relationship terminated", async () => {
        const changed = await syncEverything(B, "B");
        const r = findById(changed.relationships, relationshipId, "B: relationship");
        eq("B: relationship status", r.status, RelationshipStatus.Terminated);
        eq("B: last audit entry", lastAuditEntry(r).reason, "Termination");
    });
    const m3Content = { kind: "interop-message", nonce, text: "sent while terminated", n: 3 };
    const m3 = await step("A sends a message while the relationship is terminated", () =>
        A.messages.sendMessage({ recipients: [addressB], content: JSONWrapper.from(m3Content) })
    );
    await step("B syncs and does not get the held-back message", async () => {
        const changed = await syncEverything(B, "B");
        eq("B: messages received while terminated", changed.messages.map((m) => m.id.toString()), []);
    });
    await step("B requests the reactivation", async () => {
        const r = await B.relationships.requestReactivation(relationshipId);
        eq("B: status after reactivation request", r.status, RelationshipStatus.Terminated);
        eq("B: last audit entry", lastAuditEntry(r).reason, "ReactivationRequested");
    });
    await step("A syncs and sees the reactivation request", async () => {
        const changed = await syncEverything(A, "A");
        const r = findById(changed.relationships, relationshipId, "A: relationship");
        eq("A: relationship status", r.status, RelationshipStatus.Terminated);
        eq("A: last audit entry", lastAuditEntry(r).reason, "ReactivationRequested");
        eq("A: reactivation requested by", lastAuditEntry(r).createdBy.toString(), addressB.toString());
    });
    await step("A accepts the reactivation", async () => {
        const r = await A.relationships.acceptReactivation(relationshipId);
        eq("A: status after accepting the reactivation", r.status, RelationshipStatus.Active);
    });
    if (options.pause) {
        await barriers[1].arrive();
        await step("A and B authenticate again after the second restart", async () => {
            for (const account of [A, B]) {
                account.authenticator.clear();
                await account.authenticator.authenticate();
            }
        });
    }
    await step("B syncs, sees the relationship active and gets the held-back message", async () => {
        const changed = await syncEverything(B, "B");
        const r = findById(changed.relationships, relationshipId, "B: relationship");
        eq("B: relationship status", r.status, RelationshipStatus.Active);
        eq("B: last audit entry", lastAuditEntry(r).reason, "AcceptanceOfReactivation");
        const m = findById(changed.messages, m3.id, "B: held-back message");
        eq("B: held-back message content", plain(m.content), m3Content);
    });

    // --- decomposition by both sides ---
    await step("B terminates the relationship", async () => {
        const r = await B.relationships.terminate(relationshipId);
        eq("B: status after terminate", r.status, RelationshipStatus.Terminated);
    });
    await step("A syncs and sees the relationship terminated", async () => {
        const changed = await syncEverything(A, "A");
        const r = findById(changed.relationships, relationshipId, "A: relationship");
        eq("A: relationship status", r.status, RelationshipStatus.Terminated);
    });
    await step("A decomposes the relationship", async () => {
        await A.relationships.decompose(relationshipId);
        eq("A: relationship after decomposition", await A.relationships.getRelationship(relationshipId), undefined);
    });
    await step("B syncs and sees the decomposition proposed", async () => {
        const changed = await syncEverything(B, "B");
        const r = findById(changed.relationships, relationshipId, "B: relationship");
        eq("B: relationship status", r.status, RelationshipStatus.DeletionProposed);
        eq("B: last audit entry", lastAuditEntry(r).reason, "Decomposition");
    });
    await step("B decomposes the relationship", async () => {
        await B.relationships.decompose(relationshipId);
        eq("B: relationship after decomposition", await B.relationships.getRelationship(relationshipId), undefined);
    });
    await step("both sides can create a new relationship again", async () => {
        for (const [who, account, peer] of [
            ["A", A, addressB],
            ["B", B, addressA]
        ]) {
            const result = await account.relationships.client.canCreateRelationship(peer.toString());
            ok(`${who}: CanCreate call succeeded`, result.isSuccess, result.isError ? describeError(result.error) : undefined);
            eq(`${who}: canCreate`, result.value.canCreate, true);
        }
        await syncEverything(A, "A");
        await syncEverything(B, "B");
    });
}

function report(state, error) {
    const lines = [`FAIL ${state.label ? `[${state.label}] ` : ""}step "${state.step}": ${describeError(error)}`];
    if (!(error instanceof AssertionFailed) && error?.stack && process.env.FLOW_VERBOSE) lines.push(error.stack);
    if (state.loggedErrors.length > 0) {
        lines.push("  errors logged by the client:");
        for (const line of state.loggedErrors.slice(-10)) lines.push(`    ${line}`);
    }
    lines.push("  last HTTP exchanges (oldest first):");
    for (const line of state.trace.slice(-15)) lines.push(`    ${line}`);
    process.stderr.write(`${lines.join("\n")}\n`);
}

async function main() {
    let options;
    try {
        options = parseArgs(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`${e.message}\n`);
        process.exit(2);
    }
    const verbose = options.flows === 1;
    if (verbose) process.stdout.write(`using ${JSON.stringify(versions())}\n`);
    const barriers = [new PauseBarrier(options.flows), new PauseBarrier(options.flows)];
    const started = Date.now();
    const results = await Promise.all(
        Array.from({ length: options.flows }, async (_, index) => {
            const label = options.flows === 1 ? options.label : `${options.label}${options.label ? "/" : ""}${index + 1}`;
            const state = new FlowState(label);
            const flowStarted = Date.now();
            try {
                await runInFlow(state, () => runFlow(state, options, barriers, verbose));
                if (!verbose) process.stdout.write(`ok flow ${label} (${state.stepsDone} steps, ${Date.now() - flowStarted} ms)\n`);
                return true;
            } catch (e) {
                if (options.pause) for (const barrier of barriers) if (!barrier.released) barrier.leave();
                report(state, e);
                return false;
            }
        })
    );
    const failed = results.filter((r) => !r).length;
    if (failed > 0) {
        process.stderr.write(`${failed} of ${options.flows} flow(s) failed\n`);
        process.exit(1);
    }
    process.stdout.write(`ok all ${options.flows} flow(s) passed in ${Date.now() - started} ms\n`);
    process.exit(0);
}

await main();
