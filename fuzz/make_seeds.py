#!/usr/bin/env python3
"""Write the seed corpora (fuzz/corpus/<target>/) and the reproducers of
known-open classes (fuzz/crashes/<target>/<class>-<n>). Deterministic: run
it again after editing and commit the difference. Seeds a fuzz run adds
(scripts/dev.sh fuzz merges new coverage into fuzz/corpus) are kept too."""

import base64
import io
import json
import os
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))


def put(kind, target, name, data):
    d = os.path.join(HERE, kind, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tar(entries, fmt=tarfile.PAX_FORMAT):
    """entries: (name, kind, payload/target, extra dict)"""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, payload, extra in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1704067200
            info.mode = 0o755 if kind in ("dir",) else 0o644
            data = None
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "sym":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
            elif kind == "hard":
                info.type = tarfile.LNKTYPE
                info.linkname = payload
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            else:
                data = payload if isinstance(payload, bytes) else payload.encode()
                info.size = len(data)
            for k, v in (extra or {}).items():
                if k == "pax":
                    info.pax_headers = v
                else:
                    setattr(info, k, v)
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def json_seeds():
    seeds = {
        "json_image_history_response_item_list": [
            [{"Id": "sha256:3e23a5875458", "Created": 1398108230, "CreatedBy": "/bin/sh -c #(nop) ADD file:eb15dbd6 in /",
              "Tags": ["ubuntu:lucid", "ubuntu:10.04"], "Size": 182964289, "Comment": ""},
             {"Id": "<missing>", "Created": 1398108222, "CreatedBy": "/bin/sh -c #(nop) MAINTAINER x", "Tags": None,
              "Size": 0, "Comment": "imported"}],
            [], [{}], [{"Size": -1, "Created": -5}], [{"Tags": []}],
        ],
        "json_image_search_response_item_list": [
            [{"description": "a", "is_official": False, "is_automated": False, "name": "wma55/u1210sshd", "star_count": 0},
             {"description": "", "is_official": True, "is_automated": True, "name": "busybox", "star_count": 2147483647}],
            [], [{"name": "x"}],
        ],
        "json_id_response": [{"Id": "sha256:abcdef"}, {"Id": ""}, {}, None],
        "json_container_update_response": [{"Warnings": ["Published ports are discarded"]}, {"Warnings": []},
                                           {"Warnings": None}],
        "json_container_prune_response": [{"ContainersDeleted": ["a", "b"], "SpaceReclaimed": 109},
                                          {"ContainersDeleted": None, "SpaceReclaimed": 0}],
        "json_container_top_response": [
            {"Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
             "Processes": [["root", "13642", "882", "0", "17:03", "pts/0", "00:00:00", "/bin/bash"],
                           ["root", "13735", "13642", "0", "17:06", "pts/0", "00:00:00", "sleep 10"]]},
            {"Titles": [], "Processes": []}, {"Titles": ["PID"], "Processes": [["1", "extra"]]},
        ],
        "json_container_change_response_item_list": [
            [{"Path": "/dev", "Kind": 0}, {"Path": "/dev/kmsg", "Kind": 1}, {"Path": "/test", "Kind": 2}],
            [], [{"Path": "/x", "Kind": 3}], [{"Path": "/x", "Kind": -1}],
        ],
    }
    for target, values in seeds.items():
        for i, v in enumerate(values):
            put("corpus", target, "seed-%d" % i, json.dumps(v, separators=(",", ":")))


def frame(stream, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def stream_seeds():
    ctl = [bytes([1, 2, 3, 4, 5, 6, 7, 8]), bytes([0xff] * 8), bytes([0, 16, 1, 0xf3, 2, 9, 0, 5])]
    bodies = [
        frame(1, "hello\n") + frame(2, "oops\n") + frame(1, ""),
        frame(1, "x" * 300) + frame(2, "y"),
        frame(1, "abc") + b"\x01\x00\x00",                    # cut in a header
        frame(1, "abc")[:-1],                                  # cut in a payload
        frame(3, "daemon error\n"),
        b"\x05\x00\x00\x00\x00\x00\x00\x01z",                  # bad stream byte
        b"plain tty bytes",
    ]
    for i, body in enumerate(bodies):
        put("corpus", "stdcopy", "seed-%d" % i, ctl[i % len(ctl)] + body)
    lines = [
        b'{"status":"Pulling from library/busybox","id":"latest"}\n{"status":"Digest: sha256:ab"}\n',
        b'{"stream":"Loaded image: busybox:latest\\n"}\r\n{"progressDetail":{"current":1,"total":2}}',
        b'{"a":[1,{"b":"}"}]}{"c":"\\"{"} 12\n"str" true\nnull\n',
        b'{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n',
        b'{"truncated":',
        b'{"x":1} ]',
        b'\xff\xfe not json\n',
        b'{"nul":"busybox\\u0000:x"}\n',
    ]
    for i, body in enumerate(lines):
        put("corpus", "jsonl", "seed-%d" % i, ctl[i % len(ctl)] + body)
    put("corpus", "jsonl", "seed-smallcap", bytes([0x04, 1, 2, 3, 4, 5, 6, 7]) + b'{"status":"a long status line"}\n')


def b64(obj):
    return base64.b64encode(json.dumps(obj).encode()).decode()


def header_seeds():
    stats = [
        {"name": "hosts", "size": 174, "mode": 420, "mtime": "2024-01-01T00:00:00Z", "linkTarget": ""},
        {"name": "etc", "size": 4096, "mode": 2147484141, "mtime": "2024-01-01T01:02:03.123456789+02:00",
         "linkTarget": ""},
        {"name": "sh", "size": 7, "mode": 134218239, "mtime": "2024-01-01T00:00:00Z", "linkTarget": "/bin/busybox"},
        {"name": "tty", "size": 0, "mode": 69206416, "mtime": "not a time", "linkTarget": None},
        {"name": "x", "size": 1, "mode": 420},
        {"name": 1, "size": 1, "mode": 420},
    ]
    for i, s in enumerate(stats):
        put("corpus", "path_stat", "seed-%d" % i, b64(s))
    put("corpus", "path_stat", "seed-notb64", "***")
    put("corpus", "path_stat", "seed-padded", "  " + b64(stats[0]) + "\r\n")
    put("crashes", "path_stat", "narrowing-1", b64({"name": "x", "size": -1, "mode": 4294967296 + 420}))

    bodies = [
        b'\x00\x04{"message":"No such container: web"}',
        b'\x00\x09{"message":"conflict: unable to remove repository reference \\"busybox\\""}',
        b'\x01\x64<html><body>502 Bad Gateway</body></html>\r\n',
        b'\x00\x00',
        b'\x00\x01{"message":' + json.dumps("\u00e9" * 400).encode() + b'}',
        b'\x00\x02' + ("\u4e2d" * 300).encode(),
        b'\x00\x03{"message":null}',
    ]
    for i, body in enumerate(bodies):
        put("corpus", "error_body", "utf8-cut-message" if i == 4 else "seed-%d" % i, body)


def tar_seeds():
    rootfs = tar([
        ("etc", "dir", None, None), ("etc/hostname", "file", "fuzz\n", None),
        ("bin", "dir", None, None), ("bin/sh", "sym", "busybox", None), ("bin/busybox", "file", "\x7fELF", None),
        ("etc/alias", "hard", "etc/hostname", None),
    ])
    put("corpus", "mock_import_image", "seed-rootfs", rootfs)
    put("corpus", "mock_import_image", "seed-empty", b"\0" * 1024)
    put("corpus", "mock_import_image", "seed-ustar", tar([("a", "file", "1", None), ("b/", "dir", None, None)],
                                                        tarfile.USTAR_FORMAT))
    put("corpus", "mock_import_image", "seed-gnu", tar([("long/" + "n" * 120, "file", "x", None)], tarfile.GNU_FORMAT))

    layer = rootfs
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
                         "created": "2024-01-01T00:00:00Z"}).encode()
    import hashlib
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["localhost/fuzz/load:1"],
                            "Layers": ["l1/layer.tar"]}]).encode()
    docker_archive = tar([("l1", "dir", None, None), ("l1/layer.tar", "file", layer, None),
                          (config_name, "file", config, None), ("manifest.json", "file", manifest, None)])
    put("corpus", "mock_load_images", "seed-archive", docker_archive)
    bad_manifest = tar([("manifest.json", "file", b'[{"Config":"missing.json","RepoTags":["UPPER:Case"]}]', None)])
    put("corpus", "mock_load_images", "seed-badmanifest", bad_manifest)
    put("corpus", "mock_load_images", "seed-notar", b"not a tar at all")

    puts = {
        "seed-files": [("hello.txt", "file", "hi\n", None), ("sub/inner", "file", "x", None), ("d", "dir", None, None)],
        "seed-escape": [("../../etc/escaped", "file", "bad", None), ("/abs/path", "file", "abs", None)],
        "seed-symlink-out": [("out", "sym", "/etc", None), ("out/pwned", "file", "through a link", None)],
        "seed-hardlink-out": [("h", "hard", "../etc/hostname", None)],
        "seed-replace-dir": [("sub", "file", "now a file", None)],
        "seed-special": [("fifo", "fifo", None, None)],
        "seed-owner": [("owned", "file", "x", {"uid": 1234, "gid": 5678, "uname": "u", "gname": "g"})],
        "seed-dotdot-link": [("up", "sym", "..", None), ("up/escaped", "file", "x", None)],
    }
    for name, entries in puts.items():
        put("corpus", "mock_archive_put", name, tar(entries))
    put("corpus", "mock_archive_put", "seed-truncated", tar(puts["seed-files"])[:700])

    # memfs-size: a 10 KB tar holding one sparse entry of 8 GiB (PAX 1.0 sparse).
    sparse_map = b"1\n8589934591\n1\n".ljust(512, b"\0")
    sparse = tar([("GNUSparseFile.0/big", "file", sparse_map + b"x",
                   {"pax": {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "big",
                            "GNU.sparse.realsize": "8589934592"}})])
    for target in ("mock_archive_put", "mock_import_image"):
        put("crashes", target, "memfs-size-1", sparse)


def shell_seeds():
    scripts = [
        "echo hello", "x=$((1+2*3)); echo $x", "for i in 1 2 3; do echo $i; done | wc -l",
        "cat /etc/passwd; echo $?", "ls -la / | head -n 3", "echo a > /tmp/f; cat /tmp/f; rm /tmp/f",
        "case x in x) echo y;; *) echo n;; esac", "f() { echo \"$1\"; return 3; }; f z; echo $?",
        "printf '%s\\n' b a c | sort -r", "exit 3", "trap 'echo t' EXIT; false", "echo ${X:-default} ${#X}",
        "set -- a b c; shift; echo $# \"$@\"", "while read l; do echo \"<$l>\"; done <<EOF\none\ntwo\nEOF",
        "echo $(echo $(echo nested))", "test -d /etc && echo dir", "i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i",
        "seq 1 10 | tr '\\n' ' '", "echo x | sed 's/x/y/'", "kill -TERM $$", "sleep 0; echo slept",
        "mkdir -p /a/b && touch /a/b/c && find /a", "cd /etc && pwd", "echo 'unterminated",
        "eval 'echo ev'", "((1)) ; [ 1 -eq 1 ]", "echo $((1/0))", "readonly r=1; r=2",
    ]
    for i, s in enumerate(scripts):
        put("corpus", "mock_exec", "seed-%02d" % i, s)
    put("crashes", "mock_exec", "shell-depth-1", "echo $((" + "(" * 50000 + "1" + ")" * 50000 + "))")
    put("crashes", "mock_exec", "shell-depth-2", "echo " + "${x:-" * 3000 + "y" + "}" * 3000)
    put("crashes", "mock_exec", "shell-arith-overflow-1", "x=-9223372036854775808; echo $((x/=-1))")
    put("crashes", "mock_exec", "shell-date-years-1", "date -d @99999999999999999")
    put("crashes", "mock_exec", "memfs-size-1", "dd if=/dev/zero of=/big bs=1G count=2")


def ws_frame(op, payload, fin=True, plen_form=None):
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | op])
    if plen_form == 126 or (plen_form is None and 126 <= n <= 0xFFFF):
        head += bytes([126]) + n.to_bytes(2, "big")
    elif plen_form == 127 or (plen_form is None and n > 0xFFFF):
        head += bytes([127]) + n.to_bytes(8, "big")
    else:
        head += bytes([n])
    return head + payload


def grpc_frame(payload, flag=0):
    return bytes([flag]) + len(payload).to_bytes(4, "big") + payload


def transport_seeds():
    """websocket, grpc and cri_log: mode byte, 8 split-control bytes, input."""
    ctl = [bytes([1, 2, 3, 4, 5, 6, 7, 8]), bytes([0xff] * 8), bytes([0, 16, 1, 0xf3, 2, 9, 0, 5])]
    # The handshake key is base64 of 16 zero bytes (the target's fixed
    # random bytes), so this is the accept value a real server would send.
    key = base64.b64encode(bytes(16)).decode()
    import hashlib
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    upgrade = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n" % accept).encode()
    ws = [
        (0, ws_frame(2, b"\x01") + ws_frame(2, b"\x02") + ws_frame(2, b"\x01hello\n") + ws_frame(2, b"\x02oops\n")
         + ws_frame(2, b'\x03{"metadata":{},"status":"Success"}') + ws_frame(8, b"\x03\xe8")),
        (0, ws_frame(1, "frag", fin=False) + ws_frame(9, "ping") + ws_frame(0, "mented", fin=False)
         + ws_frame(0, "!") + ws_frame(10, "") + ws_frame(8, b"")),
        (0, ws_frame(2, b"\x01" + b"x" * 300) + ws_frame(2, b"\x01" + b"y" * 70000)),
        (0, ws_frame(2, b"\x01short", plen_form=127)),
        (0, ws_frame(2, b"\x01abc")[:-1]),                   # cut in a payload
        (0, b"\xc2\x00"),                                     # reserved bit
        (0, b"\x82\x85abcd" + b"masked"[:5]),                 # masked from the server
        (0, ws_frame(9, "x" * 126)),                          # long control frame
        (0, ws_frame(0, "orphan continuation")),
        (0, b"\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff"),     # absurd length
        (3, upgrade + ws_frame(2, b"\x01") + ws_frame(2, b"\x01out") + ws_frame(8, b"\x03\xe8bye")),
        (1, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\n\r\nno such exec"),
        (3, upgrade.replace(b"v4.channel", b"v3.channel")),
        (1, b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: wrong\r\n\r\n"),
    ]
    for i, (mode, body) in enumerate(ws):
        put("corpus", "websocket", "seed-%02d" % i, bytes([mode]) + ctl[i % len(ctl)] + body)
    # The handshake wrote a terminator into a full read buffer, over the
    # last byte of the frames that came with the head (whole reads only).
    put("crashes", "websocket", "handshake-full-buffer-1",
        bytes([1]) + ctl[0] + upgrade.replace(b"Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n", b"")
        + ws_frame(2, bytes(range(256)) * 300))
    # A head that ends past the 16 KiB limit: refused however it is read.
    put("crashes", "websocket", "handshake-head-limit-1",
        bytes([1]) + ctl[0] + upgrade[:-2] + b"X-Pad: " + b"p" * 17000 + b"\r\n\r\n" + ws_frame(2, b"\x01x"))

    def block(text):
        text = text.encode() if isinstance(text, str) else text
        return len(text).to_bytes(2, "big") + text

    ok_head = "HTTP/2 200\ncontent-type: application/grpc"
    grpc = [
        (0, ok_head, "grpc-status: 0", grpc_frame(b"\x0a\x03abc") + grpc_frame(b"") + grpc_frame(b"\x08\x01")),
        (0, ok_head, "grpc-status: 5\ngrpc-message: container%20%22x%22%20not%20found", b""),
        (0, ok_head, "grpc-status: 2\ngrpc-message: name is reserved%", b""),
        (0, ok_head, "grpc-status: 0", grpc_frame(b"abc")[:-1]),
        (1, ok_head, "", grpc_frame(b"abc") + grpc_frame(b"de")[:3]),
        (0, ok_head, "grpc-status: 0", grpc_frame(b"z", flag=1)),
        (2, ok_head, "grpc-status: 0", grpc_frame(b"x" * 40)),
        (0, "HTTP/2 404\ncontent-type: text/plain", "", b"404 page not found\n"),
        (0, "HTTP/2 200\ncontent-type: application/grpc+proto", "grpc-status: 99999999999", b""),
        (0, "HTTP/2 200\ncontent-type: application/json", "", b"{}"),
        (0, ok_head, "grpc-status: 0", b""),
        (6, ok_head + "\ngrpc-status: 14\ngrpc-message: %zz", "", grpc_frame(b"y" * 5000)),
    ]
    for i, (mode, head, trail, body) in enumerate(grpc):
        put("corpus", "grpc", "seed-%02d" % i, bytes([mode]) + ctl[i % len(ctl)] + block(head) + block(trail) + body)

    logs = [
        (0, b"2026-12-06T20:58:37.33906968Z stdout F hello\n2026-12-06T20:58:38.364733948Z stderr F oops\n"),
        (0, b"2026-12-06T20:58:37.1Z stdout P part one \n2026-12-06T20:58:37.2Z stderr F err\n"
            b"2026-12-06T20:58:37.3Z stdout P two \n2026-12-06T20:58:37.4Z stdout F end\n"),
        (0, b"2026-12-06T20:58:37Z stdout P no end"),
        (0, b"garbage line\n2026-12-06T20:58:37Z stdout F\n2026-12-06T20:58:37Z stdout F:x tags\n"),
        (0, b"2026-12-06T20:58:37Z stdout F cut short"),
        (1, b"2026-12-06T20:58:37Z stdout F o\n2026-12-06T20:58:37Z stderr F e\n"),
        (2, b"2026-12-06T20:58:37Z stdout F o\n2026-12-06T20:58:37Z stderr F e\n"),
        (4 | (1 << 3), b"2026-12-06T20:58:37Z stdout F a\n2026-12-06T20:58:38Z stdout F b\n"
                       b"2026-12-06T20:58:39Z stdout P c"),
        (0, b"2026-12-06T20:58:37.999999999+02:00 stdout F zone\n10000-01-01T00:00:00Z stdout F far\n"),
        (0, b"2026-12-06T20:58:37Z stdout F bin \x00\xff\x01\n\n\n"),
    ]
    for i, (mode, body) in enumerate(logs):
        put("corpus", "cri_log", "seed-%02d" % i, bytes([mode]) + ctl[i % len(ctl)] + body)


json_seeds()
stream_seeds()
header_seeds()
tar_seeds()
shell_seeds()
transport_seeds()
