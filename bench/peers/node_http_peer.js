#!/usr/bin/env node
// Node.js as a benchmark peer of ctrt-bench: the lower bound of dockerode.
//
// dockerode is not packaged in Debian 12 and no npm registry is reachable
// here, so this peer makes the same Engine API requests with Node's own
// http client (a keep-alive agent on the unix socket) and JSON.parse, the
// layers dockerode (through docker-modem) is built on. dockerode does this
// work and more, so its CPU per call is at least this peer's.
//
// Same protocol as docker_py_peer.py: each request line is
// `OP CALLS WARM [ARG...]` (WARM 1: one untimed call first); the answer is
// `WALL_US CPU_US` per call (this process's own CPU, process.cpuUsage), or
// `ERR message`.
"use strict";

const http = require("http");
const readline = require("readline");

const url = process.argv[2] || "";
const image = process.argv[3] || "";
const socketPath = url.replace(/^unix:\/\//, "");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, body, expect) {
  return new Promise((resolve, reject) => {
    const headers = {};
    let payload = null;
    if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = payload.length;
    }
    const req = http.request({ socketPath, path: "/v1.41" + path, method, headers, agent }, (res) => {
      const parts = [];
      res.on("data", (d) => parts.push(d));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        if (res.statusCode !== expect) {
          reject(new Error(`${method} ${path}: ${res.statusCode} ${text.trim()}`));
          return;
        }
        const json = (res.headers["content-type"] || "").startsWith("application/json");
        resolve(json && text.length ? JSON.parse(text) : text);
      });
    });
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const ops = {
  async open() {
    // a new client: its own agent, as `new Docker()` would have
    const own = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const path of ["/version", "/info"])
      await new Promise((resolve, reject) => {
        http
          .get({ socketPath, path: "/v1.41" + path, agent: own }, (res) => {
            const parts = [];
            res.on("data", (d) => parts.push(d));
            res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(parts))) : reject(new Error(path))));
          })
          .on("error", reject);
      });
    own.destroy();
  },
  inspect: (args) => request("GET", `/containers/${args[0]}/json`, undefined, 200),
  list: () => request("GET", "/containers/json?all=1", undefined, 200),
  images: () => request("GET", "/images/json", undefined, 200),
  stats: (args) => request("GET", `/containers/${args[0]}/stats?stream=false`, undefined, 200),
  async exec(args) {
    const e = await request("POST", `/containers/${args[0]}/exec`, { Cmd: ["true"], AttachStdout: true, AttachStderr: true }, 201);
    await request("POST", `/exec/${e.Id}/start`, { Detach: false, Tty: false }, 200);
    const info = await request("GET", `/exec/${e.Id}/json`, undefined, 200);
    if (info.ExitCode !== 0) throw new Error(`exec exit code ${info.ExitCode}`);
  },
  async lifecycle() {
    const c = await request("POST", "/containers/create", { Image: image, Cmd: ["true"] }, 201);
    await request("POST", `/containers/${c.Id}/start`, undefined, 204);
    await request("POST", `/containers/${c.Id}/wait`, undefined, 200);
    await request("DELETE", `/containers/${c.Id}?force=1`, undefined, 204);
  },
};

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  console.log(`ready node ${process.versions.node}`);
  for await (const line of lines) {
    const words = line.trim().split(/\s+/);
    if (words[0] === "") continue;
    const [op, calls, warm] = [words[0], parseInt(words[1], 10), words[2] === "1"];
    const args = words.slice(3);
    if (!(op in ops)) {
      console.log(`ERR unknown op ${op}`);
      continue;
    }
    try {
      if (warm) await ops[op](args);
      const wall0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < calls; i++) await ops[op](args);
      const cpu = process.cpuUsage(cpu0);
      const wall = Number(process.hrtime.bigint() - wall0) / 1e3;
      console.log(`${(wall / calls).toFixed(3)} ${((cpu.user + cpu.system) / calls).toFixed(3)}`);
    } catch (e) {
      console.log(`ERR ${String(e.message).replace(/\n/g, " ")}`);
    }
  }
  agent.destroy();
}

main();
