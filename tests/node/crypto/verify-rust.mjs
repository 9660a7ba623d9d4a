// Judges crypto material produced by the Rust crate (nmshd-crypto) with the real @nmshd/crypto 2.1.3,
// @nmshd/core-types 7.0.0 and @nmshd/transport 7.0.0.
//
// Input (stdin or a file argument): {"items": [{"name": "...", "kind": "...", ...}, ...]}.
// Output (stdout): {"versions": {...}, "results": [{"name", "kind", "ok", "checks", "failures"}]}, one
// result per input item in input order. Exit code 0 even when items fail (the caller asserts each item);
// non-zero only when the input itself cannot be processed.
import { Checks, coreTypes, fromHex, nc, readInput, toHex, transport, utf8, versions } from "./lib.mjs";

const { CryptoCipher, CryptoDerivation, CryptoEncryption, CryptoExchange, CryptoExchangeKeypair, CryptoExchangePublicKey } = nc;
const { CryptoRelationshipPublicRequest, CryptoRelationshipPublicResponse, CryptoRelationshipRequestSecrets, CryptoRelationshipSecrets } = nc;
const { CryptoSecretKey, CryptoSignature, CryptoSignatureKeypair, CryptoSignaturePublicKey, CryptoSignatures } = nc;
const { Reference } = coreTypes;
const { CoreCrypto, IdentityUtil } = transport;

const handlers = {
    async secretKey(item, c) {
        const fromB64 = CryptoSecretKey.fromBase64(item.base64);
        const fromJson = CryptoSecretKey.fromJSON(JSON.parse(item.json));
        const fromShort = CryptoSecretKey.fromJSON(JSON.parse(item.jsonShort));
        c.eq("key bytes (base64)", toHex(fromB64.secretKey), item.keyHex);
        c.eq("key bytes (json)", toHex(fromJson.secretKey), item.keyHex);
        c.eq("key bytes (short json)", toHex(fromShort.secretKey), item.keyHex);
        c.eq("algorithm", fromB64.algorithm, 3);
        c.eq("serialize(true)", fromB64.serialize(true), item.json);
        c.eq("serialize(false)", fromB64.serialize(false), item.jsonShort);
        c.eq("toBase64()", fromB64.toBase64(), item.base64);
    },

    async cipher(item, c) {
        const key = CryptoSecretKey.fromBase64(item.keyBase64);
        const cipher = CryptoCipher.fromBase64(item.cipherBase64);
        c.ok("cipher has a nonce", cipher.nonce !== undefined && cipher.counter === undefined);
        c.eq("serialize()", cipher.serialize(), item.cipherJson);
        c.eq("toBase64()", cipher.toBase64(), item.cipherBase64);
        const plaintext = await CryptoEncryption.decrypt(cipher, key);
        c.eq("plaintext", toHex(plaintext), item.plaintextHex);
        const otherKey = await CryptoEncryption.generateKey();
        await c.rejects("decrypt with another key", () => CryptoEncryption.decrypt(cipher, otherKey));
    },

    async counterCipher(item, c) {
        const key = fromHex(item.keyHex);
        const baseNonce = fromHex(item.baseNonceHex);
        const cipher = CryptoCipher.fromBase64(item.cipherBase64);
        c.eq("cnt", cipher.counter, item.counter);
        c.ok("cipher has no nonce", cipher.nonce === undefined);
        c.eq("serialize()", cipher.serialize(), item.cipherJson);
        const plaintext = await CryptoEncryption.decryptWithCounter(cipher, key, baseNonce, cipher.counter);
        c.eq("plaintext", toHex(plaintext), item.plaintextHex);
        if (item.counter > 0) {
            await c.rejects("decrypt with counter - 1", () => CryptoEncryption.decryptWithCounter(cipher, key, baseNonce, item.counter - 1));
        }
        const again = await CryptoEncryption.encryptWithCounter(fromHex(item.plaintextHex), key, baseNonce, item.counter);
        c.eq("TS re-encryption is byte-equal", again.toBase64(), item.cipherBase64);
    },

    async signature(item, c) {
        const keypair = CryptoSignatureKeypair.fromJSON(JSON.parse(item.keypairJson));
        c.eq("keypair serialize()", keypair.serialize(), item.keypairJson);
        const publicKey = CryptoSignaturePublicKey.fromBase64(item.publicKeyBase64);
        c.eq("public key toBase64()", publicKey.toBase64(), item.publicKeyBase64);
        c.eq("keypair.publicKey", keypair.publicKey.toBase64(), item.publicKeyBase64);
        const derived = await CryptoSignatures.privateKeyToPublicKey(keypair.privateKey);
        c.eq("public key of the 64-byte private key", derived.toBase64(), item.publicKeyBase64);
        const signature = CryptoSignature.fromBase64(item.signatureBase64);
        c.eq("signature alg", signature.algorithm, item.alg);
        c.eq("signature serialize()", signature.serialize(), item.signatureJson);
        const message = fromHex(item.messageHex);
        c.ok("verify", await CryptoSignatures.verify(message, signature, publicKey));
        const tampered = fromHex(item.messageHex + "00");
        c.ok("verify rejects another message", !(await CryptoSignatures.verify(tampered, signature, publicKey)));
        const tsSignature = await CryptoSignatures.sign(message, keypair.privateKey, item.alg);
        c.eq("TS signature with the same key is byte-equal", tsSignature.toBase64(), item.signatureBase64);
    },

    async exchange(item, c) {
        const templator = CryptoExchangeKeypair.fromJSON(JSON.parse(item.templatorKeypairJson));
        const requestor = CryptoExchangeKeypair.fromJSON(JSON.parse(item.requestorKeypairJson));
        c.eq("templator keypair serialize()", templator.serialize(), item.templatorKeypairJson);
        c.eq("requestor keypair serialize()", requestor.serialize(), item.requestorKeypairJson);
        const templatorPublic = CryptoExchangePublicKey.fromBase64(item.templatorPublicKeyBase64);
        c.eq("templator public key serialize()", templatorPublic.serialize(), item.templatorPublicKeyJson);
        const clientSide = await CryptoExchange.deriveTemplator(templator, requestor.publicKey);
        c.eq("templator (client) rx", toHex(clientSide.receivingKey), item.templatorRxHex);
        c.eq("templator (client) tx", toHex(clientSide.transmissionKey), item.templatorTxHex);
        const serverSide = await CryptoExchange.deriveRequestor(requestor, templatorPublic);
        c.eq("requestor (server) rx", toHex(serverSide.receivingKey), item.requestorRxHex);
        c.eq("requestor (server) tx", toHex(serverSide.transmissionKey), item.requestorTxHex);
    },

    async kdf(item, c) {
        const subkey = await CryptoDerivation.deriveKeyFromBase(fromHex(item.masterHex), item.subkeyId, item.context);
        c.eq(`subkey ${item.subkeyId}/${item.context}`, toHex(subkey.secretKey), item.subkeyHex);
    },

    async argon2id(item, c) {
        const salt = fromHex(item.saltHex);
        const key = await CryptoDerivation.deriveKeyFromPassword(utf8(item.password), salt, 3, "argon2id", item.opslimit, item.memlimit);
        c.eq("argon2id output", toHex(key.secretKey), item.hashHex);
        if (item.backboneHash !== undefined) {
            const hash = await CoreCrypto.deriveHashOutOfPassword(item.password, salt);
            c.eq("transport deriveHashOutOfPassword().toBase64()", hash.toBase64(), item.backboneHash);
        }
    },

    async reference(item, c) {
        const parsed = Reference.from(item.truncated);
        checkReference(c, "truncated", parsed, item.expected);
        c.eq("truncate() of the parsed reference", parsed.truncate(), item.truncated);
        if (item.url !== undefined) {
            const fromUrl = Reference.from(item.url);
            checkReference(c, "url", fromUrl, item.expected);
            c.eq("toUrl() of the parsed URL", fromUrl.toUrl(item.appId ?? undefined), item.url);
            c.eq("toUrl() of the parsed truncated reference", parsed.toUrl(item.appId ?? undefined), item.url);
        }
    },

    async address(item, c) {
        const publicKey = CryptoSignaturePublicKey.fromJSON({ pub: item.publicKeyBase64url, alg: 3 });
        const address = await IdentityUtil.createAddress(publicKey, item.hostname);
        c.eq("createAddress", address.toString(), item.address);
        c.ok("checkAddress", await IdentityUtil.checkAddress(coreTypes.CoreAddress.from(item.address), item.hostname, publicKey));
    },

    async relationship(item, c) {
        // Both sides' stored secrets, created by Rust, imported by TS.
        const templator = CryptoRelationshipSecrets.deserialize(item.templatorSecretsJson);
        const requestor = CryptoRelationshipSecrets.deserialize(item.requestorSecretsJson);
        const requestSecrets = CryptoRelationshipRequestSecrets.deserialize(item.requestSecretsJson);
        c.eq("templator secrets serialize()", templator.serialize(), item.templatorSecretsJson);
        c.eq("requestor secrets serialize()", requestor.serialize(), item.requestorSecretsJson);
        c.eq("request secrets serialize()", requestSecrets.serialize(), item.requestSecretsJson);
        const publicRequest = CryptoRelationshipPublicRequest.fromBase64(item.publicRequestBase64);
        c.eq("public request toBase64()", publicRequest.toBase64(), item.publicRequestBase64);
        const publicResponse = CryptoRelationshipPublicResponse.fromBase64(item.publicResponseBase64);
        c.eq("public response toBase64()", publicResponse.toBase64(), item.publicResponseBase64);

        // The templator opens the creation content with its template keypair, as transport does.
        const templateKeypair = CryptoExchangeKeypair.fromJSON(JSON.parse(item.templateKeypairJson));
        const tsTemplator = await CryptoRelationshipSecrets.fromRelationshipRequest(publicRequest, templateKeypair);
        const request = await tsTemplator.decryptRequest(CryptoCipher.fromBase64(item.requestCipherBase64));
        c.eq("request plaintext (TS templator)", request.toUtf8(), item.requestPlaintext);
        c.ok("request signature (relationship key)", await tsTemplator.verifyPeer(utf8(item.requestPlaintext), CryptoSignature.fromBase64(item.requestSignatureBase64)));
        c.eq("request plaintext (Rust templator secrets)", (await templator.decryptRequest(CryptoCipher.fromBase64(item.requestCipherBase64))).toUtf8(), item.requestPlaintext);

        for (const [index, message] of item.toTemplator.entries()) {
            const cipher = CryptoCipher.fromBase64(message.cipherBase64);
            c.eq(`requestor→templator #${index} plaintext`, (await templator.decryptPeer(cipher, true)).toUtf8(), message.plaintext);
            c.ok(`requestor→templator #${index} signature`, await templator.verifyPeer(utf8(message.plaintext), CryptoSignature.fromBase64(message.signatureBase64)));
        }
        for (const [index, message] of item.toRequestor.entries()) {
            const cipher = CryptoCipher.fromBase64(message.cipherBase64);
            c.eq(`templator→requestor #${index} plaintext`, (await requestor.decryptPeer(cipher, true)).toUtf8(), message.plaintext);
            c.ok(`templator→requestor #${index} signature`, await requestor.verifyPeer(utf8(message.plaintext), CryptoSignature.fromBase64(message.signatureBase64)));
        }
    }
};

function checkReference(c, form, reference, expected) {
    c.eq(`${form}: id`, reference.id.toString(), expected.id);
    c.eq(`${form}: backboneBaseUrl`, reference.backboneBaseUrl ?? null, expected.backboneBaseUrl ?? null);
    c.eq(`${form}: key`, reference.key.secretKey.toBase64URL(), expected.keyBase64url);
    c.eq(`${form}: key alg`, reference.key.algorithm, 3);
    c.eq(`${form}: forIdentityTruncated`, reference.forIdentityTruncated ?? null, expected.forIdentityTruncated ?? null);
    const pp = reference.passwordProtection;
    const epp = expected.passwordProtection ?? null;
    c.eq(`${form}: has password protection`, pp !== undefined, epp !== null);
    if (pp && epp) {
        c.eq(`${form}: passwordType`, pp.passwordType, epp.passwordType);
        c.eq(`${form}: salt`, pp.salt.toBase64(), epp.saltBase64);
        c.eq(`${form}: passwordLocationIndicator`, pp.passwordLocationIndicator ?? null, epp.passwordLocationIndicator ?? null);
        c.eq(`${form}: password`, pp.password ?? null, epp.password ?? null);
    }
}

const input = await readInput();
if (!Array.isArray(input.items)) throw new Error("input must be {\"items\": [...]}");
await nc.SodiumWrapper.ready();

const results = [];
for (const item of input.items) {
    const c = new Checks();
    const handler = handlers[item.kind];
    if (!handler) {
        c.failures.push(`unknown kind ${JSON.stringify(item.kind)}`);
    } else {
        try {
            await handler(item, c);
        } catch (e) {
            c.failures.push(`threw: ${e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : String(e)}`);
        }
    }
    results.push({ name: item.name, kind: item.kind, ok: c.failures.length === 0 && c.count > 0, checks: c.count, failures: c.failures });
}
process.stdout.write(JSON.stringify({ versions: versions(), results }) + "\n");
