// Reuse of an idle keep-alive connection, the way `@nmshd/transport` does it.
//
//   node tests/node/backbone/keepalive.mjs <baseUrl> [idleSeconds=6]
//
// The transport gives every REST client its own `http.Agent({ keepAlive: true, maxFreeSockets: 2 })`
// without a socket timeout, so an idle connection stays in the pool until the server closes it. When the
// client is busy (crypto on a single-threaded event loop, many flows in one process), a close by the
// server is only noticed after the next request has already been written to that socket: the request
// fails with ECONNRESET ("socket hang up"). The real Backbone (Kestrel) keeps idle connections for
// 130 s, so this practically never happens there; a server with a short keep-alive timeout breaks busy
// clients. This script makes one request, keeps the event loop busy for `idleSeconds`, then reuses the
// connection at once. Prints `ok ...` and exits 0, or prints the failure and exits 1.
import http from "node:http";

const baseUrl = process.argv[2];
const idleSeconds = Number.parseFloat(process.argv[3] ?? "6");
if (!baseUrl || !(idleSeconds > 0)) {
    process.stderr.write("usage: keepalive.mjs <baseUrl> [idleSeconds]\n");
    process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 2 });

function get(path) {
    return new Promise((resolve, reject) => {
        const request = http.get(new URL(path, baseUrl), { agent }, (response) => {
            response.resume();
            response.on("end", () => resolve({ status: response.statusCode, reusedSocket: request.reusedSocket, keepAlive: response.headers["keep-alive"], connection: response.headers.connection }));
        });
        request.on("error", (e) => reject(Object.assign(e, { reusedSocket: request.reusedSocket })));
    });
}

const first = await get("/api/v2/Version");
if (first.status !== 200) {
    process.stderr.write(`GET /api/v2/Version answered ${first.status}, expected 200\n`);
    process.exit(1);
}
// Busy, as a client doing crypto for several flows is: nothing else runs on the event loop meanwhile.
const until = Date.now() + idleSeconds * 1000;
while (Date.now() < until) {
    // spin
}
try {
    const second = await get("/api/v2/Version");
    process.stdout.write(`ok connection reused after ${idleSeconds} s busy idle (reusedSocket=${second.reusedSocket}, status ${second.status}, connection: ${first.connection ?? "-"}, keep-alive: ${first.keepAlive ?? "-"})\n`);
    process.exit(second.status === 200 ? 0 : 1);
} catch (e) {
    process.stderr.write(
        `FAIL: GET /api/v2/Version on a keep-alive connection idle for ${idleSeconds} s failed: ${e.code ?? ""} ${e.message} (reusedSocket=${e.reusedSocket}). ` +
            `The server closed the idle connection; @nmshd/transport's agents keep idle sockets without a timeout, ` +
            `so busy clients then fail with "socket hang up". The real Backbone keeps idle connections 130 s.\n`
    );
    process.exit(1);
}
