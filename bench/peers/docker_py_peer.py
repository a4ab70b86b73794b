#!/usr/bin/env python3
"""docker-py as a benchmark peer of ctrt-bench.

ctrt-bench starts this once and drives it round by round over stdin, so
docker-py runs interleaved with the C clients. Each request line is
`OP CALLS WARM [ARG...]` (WARM 1: one untimed call first); the answer is `WALL_US CPU_US` per call (this process's
own CPU, from time.process_time), or `ERR message`.
"""

import sys
import time

import docker


def main():
    url = sys.argv[1]
    client = docker.APIClient(base_url=url, version="1.41")
    image = sys.argv[2] if len(sys.argv) > 2 else None

    def op_open(_args):
        c = docker.APIClient(base_url=url, version="1.41")
        c.version()
        c.info()
        c.close()

    def op_inspect(args):
        client.inspect_container(args[0])

    def op_list(_args):
        client.containers(all=True)

    def op_images(_args):
        client.images()

    def op_stats(args):
        client.stats(args[0], stream=False)

    def op_exec(args):
        e = client.exec_create(args[0], ["true"])
        client.exec_start(e["Id"])
        client.exec_inspect(e["Id"])["ExitCode"]

    def op_lifecycle(_args):
        c = client.create_container(image, command=["true"])
        client.start(c["Id"])
        client.wait(c["Id"])
        client.remove_container(c["Id"])

    ops = {"open": op_open, "inspect": op_inspect, "list": op_list, "images": op_images, "stats": op_stats, "exec": op_exec,
           "lifecycle": op_lifecycle}
    print("ready %s" % docker.__version__, flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        op, calls, warm, args = words[0], int(words[1]), words[2] == "1", words[3:]
        if op not in ops:
            print("ERR unknown op %s" % op, flush=True)
            continue
        try:
            if warm:
                ops[op](args)
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for _ in range(calls):
                ops[op](args)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            print("%.3f %.3f" % (wall / calls * 1e6, cpu / calls * 1e6), flush=True)
        except Exception as exc:  # reported to the driver, which shows it
            print("ERR %s" % str(exc).replace("\n", " "), flush=True)


if __name__ == "__main__":
    main()
