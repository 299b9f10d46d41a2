import { expect } from "chai";
import { Agent, request } from "node:http";
import { startDevnode } from "../../src/devnode";
import type { Devnode } from "../../src/devnode";

/** One raw HTTP request (no client library normalising the path), answered status and body. */
function raw(node: Devnode, method: string, path: string, agent?: Agent): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(node.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** What any client (any web page: the devnode answers CORS *) can send must not end or bloat the node. */
describe("devnode: hostile requests", function () {
  let node: Devnode;

  before(async () => {
    node = await startDevnode({ port: 0 });
  });

  after(async () => {
    await node?.close();
  });

  const alive = async () => {
    const answer = await raw(node, "GET", "/wallet/getnowblock");
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.have.property("blockID");
  };

  it("answers GET // with 400 and keeps serving", async () => {
    const answer = await raw(node, "GET", "//");
    expect(answer.status).to.equal(400);
    expect(answer.body).to.match(/Bad Request/);
    await alive();
  });

  it("answers a contract path that is not percent-encoding with 400 and keeps serving", async () => {
    const answer = await raw(node, "GET", "/v1/contracts/%E0%A4%A/events");
    expect(answer.status).to.equal(400);
    expect(JSON.parse(answer.body)).to.include({ success: false, statusCode: 400 });
    expect(JSON.parse(answer.body).error).to.match(/percent-encoding/);
    await alive();
  });

  it("keeps a bounded record of unknown paths, each cut short", async () => {
    node.unknownPaths.length = 0;
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const long = "/x".repeat(2_000);
    try {
      for (let i = 0; i < 1_200; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => raw(node, "GET", `${long}/${i + j}`, agent)));
      }
    } finally {
      agent.destroy();
    }
    expect(node.unknownPaths.length).to.equal(1_000);
    for (const entry of node.unknownPaths) expect(entry.length).to.be.at.most(210);
    await alive();
  });
});
