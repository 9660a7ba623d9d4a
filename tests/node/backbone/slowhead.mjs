// A request whose head arrives some seconds after the connection was opened, as happens when a busy
// node process (several `@nmshd/transport` clients doing crypto on one event loop) opens a connection and
// only gets to write the request later.
//
//   node tests/node/backbone/slowhead.mjs <baseUrl> [delaySeconds=7]
//
// The real Backbone (Kestrel) waits 30 s for request headers; a server that answers 408 after a few
// seconds makes busy clients fail with `error.platform.unexpected (408)`. Prints `ok ...` and exits 0 when
// the delayed request is answered 200, else prints what came back and exits 1.
import net from "node:net";

const baseUrl = process.argv[2];
const delaySeconds = Number.parseFloat(process.argv[3] ?? "7");
if (!baseUrl || !(delaySeconds > 0)) {
    process.stderr.write("usage: slowhead.mjs <baseUrl> [delaySeconds]\n");
    process.exit(2);
}
const url = new URL(baseUrl);

const socket = net.connect(Number.parseInt(url.port, 10), "127.0.0.1");
let received = "";
socket.on("data", (chunk) => {
    received += chunk.toString("latin1");
});
const closed = new Promise((resolve) => socket.on("close", resolve));
socket.on("error", (e) => {
    received += `\n<socket error ${e.code ?? ""} ${e.message}>`;
});
await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
});
await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
if (!socket.destroyed) socket.write(`GET /api/v2/Version HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10000))]);
socket.destroy();

const statusLine = received.split("\r\n")[0];
if (/^HTTP\/1\.1 200/.test(statusLine)) {
    process.stdout.write(`ok request head sent ${delaySeconds} s after connecting was answered: ${statusLine}\n`);
    process.exit(0);
}
process.stderr.write(
    `FAIL: GET /api/v2/Version whose head arrived ${delaySeconds} s after connecting got ${JSON.stringify(received.slice(0, 200)) || "nothing"} ` +
        `instead of 200. The real Backbone waits 30 s for request headers; busy @nmshd/transport clients ` +
        `(crypto on one event loop) can take several seconds between connecting and writing.\n`
);
process.exit(1);
