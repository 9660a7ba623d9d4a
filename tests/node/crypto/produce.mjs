// Produces fresh random crypto material with the real @nmshd/crypto 2.1.3 (+ core-types / transport for
// references, addresses and the Backbone password hash), for the Rust crate to decrypt, verify and re-derive.
//
// Output (stdout): {"versions": {...}, "items": [...]}, items in the same format that verify-rust.mjs
// reads, so `node produce.mjs | node verify-rust.mjs` is a self-check of the judge.
// Every run draws new keys, nonces, salts, passwords and messages.
import { coreTypes, fromHex, nc, randomBuffer, randomHex, randomId, randomInt, toHex, transport, utf8, versions } from "./lib.mjs";

const { CryptoDerivation, CryptoEncryption, CryptoExchange, CryptoRelationshipRequestSecrets, CryptoRelationshipSecrets } = nc;
const { CryptoSignatures } = nc;
const { Reference, SharedPasswordProtection, CoreId } = coreTypes;
const { CoreCrypto, IdentityUtil } = transport;

const TRANSPORT_OPSLIMIT = 3;
const TRANSPORT_MEMLIMIT = 20 * 1024 * 1024;

const items = [];
const add = (kind, name, fields) => items.push({ name: `ts/${kind}/${name}`, kind, ...fields });

await nc.SodiumWrapper.ready();

// Secret keys.
for (let i = 0; i < 3; i++) {
    const key = await CryptoEncryption.generateKey();
    add("secretKey", `${i}`, { json: key.serialize(true), jsonShort: key.serialize(false), base64: key.toBase64(), keyHex: toHex(key.secretKey) });
}

// Ciphers with a library-drawn random nonce (the path transport uses).
for (const size of [0, 1, 17, 1024, 70000]) {
    const key = await CryptoEncryption.generateKey();
    const plaintext = randomBuffer(size);
    const cipher = await CryptoEncryption.encrypt(plaintext, key);
    add("cipher", `${size}B`, { keyBase64: key.toBase64(), cipherBase64: cipher.toBase64(), cipherJson: cipher.serialize(), plaintextHex: toHex(plaintext) });
}

// Counter ciphers: a random base nonce and one forced to carry out of byte 20.
for (const [label, nonceHex] of [["random", randomHex(24)], ["carry", randomHex(20) + "feffffff"]]) {
    for (const counter of [0, 1, 2, randomInt(3, 2 ** 31), 2 ** 32 - 1]) {
        const key = randomBuffer(32);
        const plaintext = randomBuffer(randomInt(1, 300));
        const cipher = await CryptoEncryption.encryptWithCounter(plaintext, key, fromHex(nonceHex), counter);
        add("counterCipher", `${label}/${counter}`, {
            keyHex: toHex(key), baseNonceHex: nonceHex, counter, cipherBase64: cipher.toBase64(), cipherJson: cipher.serialize(), plaintextHex: toHex(plaintext)
        });
    }
}

// Signatures, both labels, fresh keypairs.
for (const alg of [1, 2]) {
    for (let i = 0; i < 2; i++) {
        const keypair = await CryptoSignatures.generateKeypair();
        const message = randomBuffer(randomInt(0, 500));
        const signature = await CryptoSignatures.sign(message, keypair.privateKey, alg);
        add("signature", `alg${alg}/${i}`, {
            keypairJson: keypair.serialize(), publicKeyBase64: keypair.publicKey.toBase64(), messageHex: toHex(message), alg,
            signatureBase64: signature.toBase64(), signatureJson: signature.serialize()
        });
    }
}

// Key exchange, both roles.
for (let i = 0; i < 2; i++) {
    const templator = await CryptoExchange.generateKeypair();
    const requestor = await CryptoExchange.generateKeypair();
    const client = await CryptoExchange.deriveTemplator(templator, requestor.publicKey);
    const server = await CryptoExchange.deriveRequestor(requestor, templator.publicKey);
    add("exchange", `${i}`, {
        templatorKeypairJson: templator.serialize(), requestorKeypairJson: requestor.serialize(),
        templatorPublicKeyBase64: templator.publicKey.toBase64(), templatorPublicKeyJson: templator.publicKey.serialize(),
        templatorRxHex: toHex(client.receivingKey), templatorTxHex: toHex(client.transmissionKey),
        requestorRxHex: toHex(server.receivingKey), requestorTxHex: toHex(server.transmissionKey)
    });
}

// KDF subkeys: the contexts transport uses, random master keys and ids (< 2^31, the wrapper's limit).
for (const context of ["REQTMP01", "RELREQ01", "RELTEM01", "SECRET01"]) {
    for (const subkeyId of [0, 1, randomInt(2, 2 ** 31)]) {
        const master = randomBuffer(32);
        const subkey = await CryptoDerivation.deriveKeyFromBase(master, subkeyId, context);
        add("kdf", `${context}/${subkeyId}`, { masterHex: toHex(master), subkeyId, context, subkeyHex: toHex(subkey.secretKey) });
    }
}

// Argon2id with the transport parameters, and the Backbone password hash.
for (const password of [randomId(""), `pässwörd ${randomInt(1e9)} €`, String(randomInt(10000, 99999))]) {
    const salt = randomBuffer(16);
    const key = await CryptoDerivation.deriveKeyFromPassword(utf8(password), salt, 3, "argon2id", TRANSPORT_OPSLIMIT, TRANSPORT_MEMLIMIT);
    const backbone = await CoreCrypto.deriveHashOutOfPassword(password, salt);
    add("argon2id", `${password.length}chars`, {
        password, saltHex: toHex(salt), opslimit: TRANSPORT_OPSLIMIT, memlimit: TRANSPORT_MEMLIMIT, hashHex: toHex(key.secretKey), backboneHash: backbone.toBase64()
    });
}

// References: every combination of optional parts the format has.
const referenceShapes = [
    { prefix: "TOK" },
    { prefix: "RLT", backboneBaseUrl: "http://localhost:8090" },
    { prefix: "FIL", backboneBaseUrl: "https://backbone.example.org/some/path", appId: "eu.enmeshed.app" },
    { prefix: "TOK", forIdentity: true },
    { prefix: "TOK", password: { passwordType: "pw" } },
    { prefix: "RLT", backboneBaseUrl: "https://bb.example.com", password: { passwordType: "pin5", passwordLocationIndicator: randomInt(0, 7) } },
    { prefix: "TOK", backboneBaseUrl: "https://bb.example.com", forIdentity: true, password: { passwordType: "pin4", passwordLocationIndicator: 60, password: String(randomInt(1000, 9999)) } }
];
for (const [index, shape] of referenceShapes.entries()) {
    const key = await CryptoEncryption.generateKey();
    const value = { id: CoreId.from(randomId(shape.prefix)), key };
    if (shape.backboneBaseUrl) value.backboneBaseUrl = shape.backboneBaseUrl;
    if (shape.forIdentity) value.forIdentityTruncated = randomHex(2);
    if (shape.password) value.passwordProtection = SharedPasswordProtection.from({ ...shape.password, salt: randomBuffer(16) });
    const reference = Reference.from(value);
    const expected = {
        id: reference.id.toString(),
        keyBase64url: reference.key.secretKey.toBase64URL()
    };
    if (reference.backboneBaseUrl) expected.backboneBaseUrl = reference.backboneBaseUrl;
    if (reference.forIdentityTruncated) expected.forIdentityTruncated = reference.forIdentityTruncated;
    const pp = reference.passwordProtection;
    if (pp) {
        expected.passwordProtection = { passwordType: pp.passwordType, saltBase64: pp.salt.toBase64() };
        if (pp.passwordLocationIndicator !== undefined) expected.passwordProtection.passwordLocationIndicator = pp.passwordLocationIndicator;
        if (pp.password !== undefined) expected.passwordProtection.password = pp.password;
    }
    const fields = { truncated: reference.truncate(), expected };
    if (reference.backboneBaseUrl) {
        fields.appId = shape.appId ?? null;
        fields.url = reference.toUrl(shape.appId);
    }
    add("reference", `${index}/${shape.prefix}`, fields);
}

// Addresses of fresh identity keys.
for (const hostname of ["localhost", "backbone.example.org", "bb.example.com"]) {
    const keypair = await CryptoSignatures.generateKeypair();
    const address = await IdentityUtil.createAddress(keypair.publicKey, hostname);
    add("address", hostname, { publicKeyBase64url: keypair.publicKey.publicKey.toBase64URL(), hostname, address: address.toString() });
}

// A whole relationship handshake with library randomness, then traffic in both directions.
{
    const templateKeypair = await CryptoExchange.generateKeypair();
    const templatorIdentity = await CryptoSignatures.generateKeypair();
    const requestSecrets = await CryptoRelationshipRequestSecrets.fromPeer(templateKeypair.publicKey, templatorIdentity.publicKey);
    const publicRequest = requestSecrets.toPublicRequest();
    const requestPlaintext = `{"serializedCreationContent":"${randomId("request")}"}`;
    const requestCipher = await requestSecrets.encryptRequest(utf8(requestPlaintext));
    const requestSignature = await requestSecrets.sign(utf8(requestPlaintext));
    const templator = await CryptoRelationshipSecrets.fromRelationshipRequest(publicRequest, templateKeypair);
    const publicResponse = templator.toPublicResponse();
    const requestor = await CryptoRelationshipSecrets.fromRelationshipResponse(publicResponse, requestSecrets);
    const toTemplator = [];
    const toRequestor = [];
    for (let i = 0; i < 3; i++) {
        const a = `requestor message ${i} ${randomId("")}`;
        toTemplator.push({ plaintext: a, cipherBase64: (await requestor.encrypt(utf8(a))).toBase64(), signatureBase64: (await requestor.sign(utf8(a))).toBase64() });
        const b = `templator message ${i} ${randomId("")}`;
        toRequestor.push({ plaintext: b, cipherBase64: (await templator.encrypt(utf8(b))).toBase64(), signatureBase64: (await templator.sign(utf8(b))).toBase64() });
    }
    add("relationship", "handshake", {
        templateKeypairJson: templateKeypair.serialize(),
        requestSecretsJson: requestSecrets.serialize(),
        publicRequestBase64: publicRequest.toBase64(),
        publicResponseBase64: publicResponse.toBase64(),
        templatorSecretsJson: templator.serialize(),
        requestorSecretsJson: requestor.serialize(),
        requestPlaintext,
        requestCipherBase64: requestCipher.toBase64(),
        requestSignatureBase64: requestSignature.toBase64(),
        toTemplator,
        toRequestor
    });
}

process.stdout.write(JSON.stringify({ versions: versions(), items }) + "\n");
