// Writes fuzz/seeds/<target>/*: valid inputs made by the real @nmshd/crypto 2.1.3 (and core-types /
// transport), a starting corpus for each fuzz target. Rerun after adding a target:
//   node fuzz/make-seeds.mjs        (needs tests/node_modules: `npm ci` in tests/)
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { coreTypes, nc, randomBuffer, randomId, transport, utf8 } from "../tests/node/crypto/lib.mjs";

const { CryptoEncryption, CryptoExchange, CryptoPrivateStateReceive, CryptoPrivateStateTransmit, CryptoRelationshipRequestSecrets } = nc;
const { CryptoRelationshipSecrets, CryptoSignatures } = nc;
const { Reference, SharedPasswordProtection, CoreId } = coreTypes;

const root = new URL("./seeds/", import.meta.url);
const seeds = {};
const add = (target, ...values) => (seeds[target] ??= []).push(...values);
// Verbose and short JSON, and base64url of the verbose JSON (what toBase64() is, where a class has it).
const forms = (object) => [object.serialize(true), object.serialize(false), Buffer.from(object.serialize(true)).toString("base64url")];

await nc.SodiumWrapper.ready();
const key = await CryptoEncryption.generateKey();
add("secret_key", ...forms(key));
add("cipher", ...forms(await CryptoEncryption.encrypt(utf8("seed"), key)));
add("cipher", ...forms(await CryptoEncryption.encryptWithCounter(utf8("seed"), key, randomBuffer(24), 7)));
const signer = await CryptoSignatures.generateKeypair();
add("signature", ...forms(await CryptoSignatures.sign(utf8("seed"), signer.privateKey, 1)));
add("signature_public_key", ...forms(signer.publicKey));
add("signature_private_key", ...forms(signer.privateKey));
add("signature_keypair", ...forms(signer));
const templator = await CryptoExchange.generateKeypair();
const requestor = await CryptoExchange.generateKeypair();
add("exchange_public_key", ...forms(templator.publicKey));
add("exchange_private_key", ...forms(templator.privateKey));
add("exchange_keypair", ...forms(templator));
add("exchange_secrets", ...forms(await CryptoExchange.deriveTemplator(templator, requestor.publicKey)));
const transmit = CryptoPrivateStateTransmit.generate(randomBuffer(32));
add("private_state_transmit", transmit.serialize());
add("public_state", ...forms(transmit.toPublicState()));
add("private_state_receive", CryptoPrivateStateReceive.fromNonce(randomBuffer(24), randomBuffer(32), 3).serialize());
const requestSecrets = await CryptoRelationshipRequestSecrets.fromPeer(templator.publicKey, signer.publicKey);
const templatorSecrets = await CryptoRelationshipSecrets.fromRelationshipRequest(requestSecrets.toPublicRequest(), templator);
const requestorSecrets = await CryptoRelationshipSecrets.fromRelationshipResponse(templatorSecrets.toPublicResponse(), requestSecrets);
add("relationship_public_request", ...forms(requestSecrets.toPublicRequest()));
add("relationship_public_response", ...forms(templatorSecrets.toPublicResponse()));
add("relationship_request_secrets", requestSecrets.serialize());
add("relationship_secrets", templatorSecrets.serialize(), requestorSecrets.serialize());
const reference = Reference.from({
    id: CoreId.from(randomId("TOK")),
    backboneBaseUrl: "https://bb.example.com/path",
    key,
    forIdentityTruncated: "a1b2",
    passwordProtection: SharedPasswordProtection.from({ passwordType: "pin5", salt: randomBuffer(16), passwordLocationIndicator: 2 })
});
const plain = Reference.from({ id: CoreId.from(randomId("RLT")), key });
add("reference", reference.truncate(), reference.toUrl("app"), reference.serialize(), plain.truncate());
const address = await transport.IdentityUtil.createAddress(signer.publicKey, "localhost");
add("check_address", Buffer.concat([Buffer.from(signer.publicKey.publicKey.buffer), Buffer.from(`localhost\n${address.toString()}`)]));
add("encoding", key.toBase64(), key.secretKey.toBase64(), "");

rmSync(root, { recursive: true, force: true });
for (const [target, values] of Object.entries(seeds)) {
    const dir = new URL(`${target}/`, root);
    mkdirSync(dir, { recursive: true });
    values.forEach((value, i) => writeFileSync(new URL(`seed-${i}`, dir), value));
}
console.log(`wrote seeds for ${Object.keys(seeds).length} targets`);
