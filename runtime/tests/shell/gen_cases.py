#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerate shell_cases.inc: what real busybox prints for each case.

Each case runs `sh -c SCRIPT` with busybox 1.35 (Debian's busybox-static,
/bin/busybox on this machine) in a throwaway chroot laid out like the
harness's memfs (shell_harness.c): /bin/busybox with one link per applet of
the vocabulary, /etc/passwd and /etc/group (mtime 1700000000), /tmp, /root,
/dev (null, zero, urandom, std*), /proc; hostname "testhost" (a private UTS
namespace); environment PATH, HOSTNAME, HOME; supplementary groups 0 and 10,
as Docker gives root in this image. The unit test replays every case on the
mock and wants the same stdout, stderr and exit status.

Needs root (chroot, mount, mknod, unshare). Usage: sudo ./gen_cases.py
`gen_cases.py --check` re-records every case into a temporary file instead
and fails, showing the difference, unless it equals the committed file (the
ctest shell.busybox_rerecord); without root it exits 77 (skipped).
Cases must not print the time, pids or anything else that changes between
runs; outputs that legitimately differ from busybox are tested by hand in
shell_test.c instead.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "shell_cases.inc")

APPLETS_DEF = os.path.join(HERE, "..", "..", "backends", "mock", "shell", "applets.def")


def read_applets(path=APPLETS_DEF):
    """The chroot's /bin links: the applets.def commands the mock links (IMAGE
    and MOCK), the one list the shell and the test image read too."""
    names = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            m = re.match(r'SH_CMD\("((?:[^"\\]|\\.)+)", \w+, [^,]+, (IMAGE|MOCK|NONE)\)$', line.strip())
            if m and m.group(2) != "NONE":
                names.append(m.group(1))
    if not names or names != sorted(names, key=lambda n: n.encode()):
        raise SystemExit("%s: no SH_CMD lines, or not sorted bytewise" % path)
    return names


APPLETS = read_applets()

PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
"""
GROUP = """root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:8:
www-data:x:33:
operator:x:37:
users:x:100:
nogroup:x:65534:
"""

# Files several cases use, made by the script itself so both sides agree.
TREE = ('mkdir -p /tmp/t/d/sub; echo hello > /tmp/t/f; printf "a\\nb\\nc\\n" > /tmp/t/lines; '
        'ln -s f /tmp/t/link; ln -s nowhere /tmp/t/dangling; '
        'touch -d "2024-01-02 03:04:05" /tmp/t/f /tmp/t/lines /tmp/t/d /tmp/t/d/sub /tmp/t; ')
OLD = 'touch -d @1700000000'

# (area, script[, stdin[, uid]])
CASES = [
    # --- grammar and errors ---
    ("syntax", "nosuchcmd"), ("syntax", "/etc/passwd"), ("syntax", "/nonexist/x"), ("syntax", "exit 300"),
    ("syntax", "exit 1 2"), ("syntax", "exit -1"), ("syntax", "exit abc; echo after"), ("syntax", "exit 256"),
    ("syntax", 'echo "unterminated'), ("syntax", "if true; then echo"), ("syntax", "echo )"), ("syntax", "echo >"),
    ("syntax", "echo hi |"), ("syntax", "| echo"), ("syntax", "&& echo"), ("syntax", "echo ;;"), ("syntax", "then"),
    ("syntax", "fi"), ("syntax", "if true; then fi"), ("syntax", "while true; do done"),
    ("syntax", "for x in; do echo; done"), ("syntax", "for 1 in a; do echo; done"), ("syntax", "{ echo"),
    ("syntax", "( echo"), ("syntax", "echo $("), ("syntax", "echo ${"), ("syntax", "echo ${a"),
    ("syntax", "echo `echo"), ("syntax", "done"), ("syntax", "if true"), ("syntax", "echo a && "), ("syntax", "{ }"),
    ("syntax", "if; then fi"), ("syntax", "echo ${x!}"), ("syntax", "echo ;"), ("syntax", ";"), ("syntax", "echo a;;"),
    ("syntax", "x=1 y=2"), ("syntax", "echo >>"), ("syntax", "cat <<"), ("syntax", "echo hi\nif"),
    ("syntax", "echo hi; if"), ("syntax", "true\n\ncd /nope"), ("syntax", "[ ( 1 = 1 ) ]"), ("syntax", "sh -c 'nosuch' name"),
    ("syntax", "sh -c 'true\ncd /nope' name"), ("syntax", "sh -c 'echo ${x!}' name"),
    ("syntax", "echo a\\\nb # comment"), ("syntax", "echo a#b '#' \"#\""),
    # --- exit statuses, lists, conditions ---
    ("lists", "true && echo and; false || echo or; false && echo no; echo $?"), ("lists", "! true; echo $?"),
    ("lists", "if false; then echo 1; elif true; then echo 2; else echo 3; fi"), ("lists", "if ! false; then echo neg; fi"),
    ("lists", "echo a | false; echo $?"), ("lists", "false | true; echo $?"), ("lists", "! echo a | false; echo $?"),
    ("lists", "echo a & wait; echo $?"), ("lists", "set -e; false; echo no"),
    ("lists", "set -e; false || true; echo yes; if false; then :; fi; echo yes2; ! true; echo yes3"),
    ("lists", "set -e; x=$(false); echo notreached"),
    # --- quoting and expansion ---
    ("expand", "echo '$HOME' \"$HOME\" \\$HOME"), ("expand", "echo 'single $x' \"double \\$x \\\" \\\\ \\a\""),
    ("expand", "echo a\\ b\\\\c \\$x"), ("expand", 'echo "a\\\nb"'), ("expand", "echo ~ ~/x"),
    ("expand", 'x="a  b   c"; echo $x; echo "$x"'), ("expand", 'x=" lead trail "; for w in $x; do echo "[$w]"; done'),
    ("expand", 'IFS=:; x="a::b:"; for w in $x; do echo "[$w]"; done'),
    ("expand", 'IFS=": "; x="a : b::c"; for w in $x; do echo "[$w]"; done'),
    ("expand", 'set -- "a b" c ""; for w in "$@"; do echo "[$w]"; done; for w in $@; do echo "<$w>"; done; echo "$*"; echo $#'),
    ("expand", 'set -- ; for w in "$@"; do echo "[$w]"; done; echo "x$@y"'), ("expand", 'IFS=,; set -- a b c; echo "$*"'),
    ("expand", 'x=; echo "[$x]" [$x] "${x:-def}" "${x-def}" "${y-def}" "${y:-def}"'),
    ("expand", "x=val; echo ${x:+alt} ${y:+alt} ${x+set} ${y+set}"), ("expand", "echo ${z:=new} $z; echo ${w=w2} $w"),
    ("expand", "x=hello.tar.gz; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.} ${#x}"),
    ("expand", "x=/a/b/c; echo ${x#/} ${x##*/} ${x%/*}"), ("expand", "x=abcdef; echo ${x:2} ${x:1:3} ${x: -2} ${x:0:0}x"),
    ("expand", "x=a-b-c; echo ${x/-/+} ${x//-/+} ${x/#a/A} ${x/%c/C}"), ("expand", "echo ${u?oops}; echo after"),
    ("expand", "echo ${u?}"), ("expand", "x=$(exit 3); echo $?"), ("expand", "echo $(exit 3)"),
    ("expand", 'x=$(echo hi; echo there); echo "$x"'), ("expand", "x=`echo back`; echo $x"),
    ("expand", 'echo "$(echo "nested $(echo deep)")"'), ("expand", "echo `echo \\`echo inner\\``"),
    ("expand", "echo $(echo a b)c"), ("expand", 'echo "$(printf "a\\n\\n\\n")"X'),
    ("expand", "x=$(cat /nonexist); echo \"rc=$?\""), ("expand", "set -- a b; echo $# $@"), ("expand", "echo $-"),
    ("expand", "f() { echo $0; }; f"), ("expand", "sh -c 'echo $0 $1 $#' zero one"),
    # --- arithmetic ---
    ("arith", "echo $((1+2*3)) $((10/3)) $((10%3)) $((2**10)) $((1<<4)) $((-7/2)) $((7>3)) $((3==3)) $((!0)) $((~0))"),
    ("arith", "a=5; echo $((a+1)) $((a*=2)) $a $((a++)) $a $((++a)) $((a--)) $a"),
    ("arith", "echo $((0x1F)) $((010)) $((1?2:3)) $((0?2:3))"),
    ("arith", "echo $(( (1+2)*3 )) $((1 && 0)) $((1 || 0)) $((5&3)) $((5|3)) $((5^3))"),
    ("arith", "x=3; y=x; echo $((y+1))"), ("arith", "echo $((1/0))"), ("arith", "echo $((5%0))"),
    ("arith", "echo $((a b))"), ("arith", "echo $((1+)); echo after"),
    # --- globbing ---
    ("glob", "echo *"), ("glob", "cd /etc; echo *"), ("glob", "echo /etc/*"), ("glob", "echo /et?/pass*"),
    ("glob", "echo /nomatch*"), ("glob", 'echo "/etc/*"'), ("glob", "echo /etc/[gp]*"), ("glob", "cd /; echo b*/b*"),
    ("glob", 'x="/etc/*"; echo $x'), ("glob", "echo .*"), ("glob", "cd /etc; echo .* *"), ("glob", "echo /.*/bin"),
    # --- compound commands ---
    ("compound", "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done"),
    ("compound", "i=0; until [ $i -ge 2 ]; do echo u$i; i=$((i+1)); done"),
    ("compound", "for i in 1 2 3; do echo $i; done"), ("compound", "set -- x y; for i; do echo $i; done"),
    ("compound", "for i in a b; do for j in 1 2; do echo $i$j; [ $j = 1 ] && break; done; done"),
    ("compound", "for i in 1 2 3; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; done"),
    ("compound", "while true; do break 5; done; echo $?"), ("compound", "break; echo after"),
    ("compound", "case abc in a*) echo A;; b*) echo B;; esac"), ("compound", "case x in a|x) echo ax;; *) echo other;; esac"),
    ("compound", 'case "a b" in "a b") echo quoted;; esac'),
    ("compound", 'x="*"; case abc in $x) echo glob;; esac; case abc in "$x") echo lit;; esac'),
    ("compound", "case z in (z) echo paren;; esac"), ("compound", "case z in y) ;; esac; echo $?"),
    ("compound", "{ echo a; echo b; } > /tmp/o; cat /tmp/o"), ("compound", "(cd /tmp; pwd); pwd"),
    ("compound", '(x=1); echo "[$x]"'), ("compound", "(exit 4); echo $?"),
    ("compound", "f() { echo \"args: $# $1 $2\"; return 7; }; f a \"b c\"; echo $?"),
    ("compound", "f() { x=inner; }; f; echo $x"), ("compound", "g() { echo g; }; f() { g; }; f"),
    ("compound", "f() { exit 5; }; f; echo no"), ("compound", "f() { local x=1; echo $x; }; x=0; f; echo $x"),
    ("compound", 'f() { echo $x; }; x=3 f; echo "[$x]"'), ("compound", "return 3; echo after"),
    # --- redirections and here-documents ---
    ("redir", "echo hi > /nonexist/f"), ("redir", "echo hi > /tmp"), ("redir", "cat < /nope"), ("redir", "cat < /tmp"),
    ("redir", "echo a >&3"), ("redir", "echo hi >&foo; cat foo"), ("redir", "echo hi 1>&-; echo rc=$?"),
    ("redir", "cat <&5"), ("redir", "echo hi >/dev/null 2>&1; echo ok"), ("redir", "ls /nope 2>&1 >/dev/null | cat"),
    ("redir", "echo a 10>x; cat x"), ("redir", "exec 3>/tmp/f3; echo x >&3; cat /tmp/f3"),
    ("redir", "exec 2>/tmp/e; ls /nope; cat /tmp/e"), ("redir", "ls /nope >&foo; echo ---; cat foo"),
    ("redir", "echo one > /tmp/a; echo two >> /tmp/a; cat /tmp/a; echo three >| /tmp/a; cat /tmp/a"),
    ("redir", "echo x > /tmp/rw; cat <> /tmp/rw; cat <> /tmp/new; ls /tmp"),
    ("redir", "cat <<EOF\na $HOME\nEOF"), ("redir", "cat <<-EOF\n\ttab\n\tEOF"), ("redir", "cat <<EOF"),
    ("redir", 'cat <<"EOF"\n$HOME `x`\nEOF'), ("redir", 'cat <<EOF\n\\$HOME \\\\ \\` $((1+1)) "q"\nEOF'),
    ("redir", "cat <<EOF; echo after\none\nEOF"), ("redir", "cat <<A; cat <<B\na\nA\nb\nB"),
    ("redir", "cat << EOF\nx\n  EOF\nEOF"), ("redir", "x=1; cat <<EOF\n${x}y $(echo sub)\nEOF"),
    ("redir", "echo x > /dev/stdout; echo y > /dev/stderr; cat /dev/null; head -c 3 /dev/zero | wc -c"),
    # --- builtins ---
    ("builtins", "shift 3"), ("builtins", "f() { return 4; }; f; echo $?"), ("builtins", 'echo a | read v; echo "[$v]"'),
    ("builtins", "export 1a=b"), ("builtins", 'trap "" TERM; trap'), ("builtins", "trap - TERM"), ("builtins", "cd; pwd"),
    ("builtins", "cd /tmp; pwd; cd ..; pwd; echo $PWD $OLDPWD"), ("builtins", "x=1 true; echo $x"),
    ("builtins", "cd /nope; echo after $?"), ("builtins", "trap abc; echo after $?"), ("builtins", "shift 5; echo after $?"),
    ("builtins", "readonly x=1; x=2; echo after"), ("builtins", "readonly x=1; unset x; echo after $?"),
    ("builtins", "x=1; readonly x; readonly"), ("builtins", "export A=1; export -p"),
    ("builtins", "f() { echo $1 $#; }; f a b"), ("builtins", "set a b c; shift; echo $@; shift 2; echo $#"),
    ("builtins", "set -- ; echo $#"), ("builtins", "set +e; echo $-"), ("builtins", "type cd exit nosuch; echo $?"),
    ("builtins", "wait; echo $?"), ("builtins", 'eval "echo 1; echo 2"'), ("builtins", 'eval "exit 4"; echo no'),
    ("builtins", ". /nope; echo after"), ("builtins", "echo a; exec echo b; echo c"),
    ("builtins", 'x=1; unset x y; echo "[$x]"'), ("builtins", "unset -f f; unset -v x; echo ok"),
    ("builtins", "export X; env | grep X; X=1; env | grep X"), ("builtins", "export -n HOME; env | grep HOME"),
    ("builtins", "type type; type :"), ("builtins", "local x"), ("builtins", "f() { local; }; f"),
    ("builtins", "continue abc"), ("builtins", "while true; do break abc; done"), ("builtins", "umask 999"),
    ("builtins", "umask abc"), ("builtins", "set -Q"), ("builtins", "shift abc"), ("builtins", "exit 1 2 3"),
    ("builtins", 'trap "echo a" TERM INT; trap "" HUP; trap "x" EXIT; trap'), ("builtins", "trap -l"),
    ("builtins", "trap -p"), ("builtins", 'trap "echo q" 0; trap'), ("builtins", 'trap "" 99'), ("builtins", "trap abc"),
    ("builtins", "trap -- TERM"), ("builtins", 'trap "echo a" TERM; trap TERM; trap'),
    ("builtins", 'trap "echo a" TERM; trap 15; trap'), ("builtins", "umask; umask 077; umask; umask -S"),
    ("builtins", "cd /tmp; cd -; cd -"), ("builtins", "cd /nope/x"), ("builtins", 'cd ""; pwd'),
    ("builtins", "cd /etc/passwd"), ('builtins', 'trap "echo EXIT" EXIT; echo main'),
    ("builtins", 'trap "echo EXIT \\$?" EXIT; exit 3'), ("builtins", '(trap "echo sub" EXIT; echo in); echo out'),
    ("builtins", 'trap "echo T" TERM; (trap)'), ("builtins", "set -x; x=1 echo \"a b\" 'q' $x; y=2"),
    ("builtins", "readonly r=1; r=2 true; echo after $?"), ("builtins", "env"), ("builtins", "set | grep -v PPID"),
    ("builtins", "export A=1 ZZ=2 B=3; env"), ("builtins", "FOO=bar env"), ("builtins", "export"),
    ("builtins", "echo \"echo dotted \\$1\" > /tmp/d.sh; . /tmp/d.sh arg; echo $?"),
    ("builtins", "command -v echo; command -V cd"),
    # --- scripts and resolution ---
    ("exec", "busybox ls -d /tmp"), ("exec", 'busybox sh -c "echo nested; exit 4"; echo $?'),
    ("exec", 'sh -c "exit 5"; echo $?'), ("exec", "sh -c"), ("exec", 'sh -c "nosuch" myname'), ("exec", "sh /nope"),
    ("exec", 'echo "echo from file \\$1" > /tmp/s; sh /tmp/s arg'), ("exec", "sh -Z"), ("exec", 'ash -c "echo ash"'),
    ("exec", "/bin/busybox echo hi"), ("exec", "/bin/busybox nosuch"), ("exec", "busybox | head -16"),
    ("exec", 'printf "#!/bin/sh\\necho shebang \\$0 \\$1\\n" > /tmp/sb; chmod 755 /tmp/sb; /tmp/sb a; cd /tmp; ./sb'),
    ("exec", 'printf "echo plain \\$0 \\$1\\n" > /tmp/pl; chmod 755 /tmp/pl; /tmp/pl a'),
    ("exec", 'printf "#!/nonexist/sh\\necho x\\n" > /tmp/bad; chmod 755 /tmp/bad; /tmp/bad'),
    ("exec", "echo x > /tmp/noexec; /tmp/noexec; PATH=/tmp; noexec"), ("exec", "mkdir /tmp/dir; /tmp/dir"),
    ("exec", "PATH=/nonexist; wc /etc/passwd; echo $?"),
    ("exec", "exec nosuch"), ("exec", "env nosuch"), ("exec", "env /etc/passwd"),
    # --- echo and printf ---
    ("echo", "echo -n a b; echo"), ("echo", 'echo -e "a\\tb\\\\n\\\\0101\\\\x41\\\\c no"; echo after'),
    ("echo", 'echo -E "a\\\\tb"'), ("echo", 'echo "a\\\\tb"'), ("echo", 'echo -ne "x\\\\n"'), ("echo", "echo -- -n"),
    ("echo", "echo -n -e -x"), ("echo", "echo -en"), ("echo", "echo -nn a"),
    ("echo", 'echo -e "\\\\101|\\\\0101|\\\\01|\\\\x4|\\\\e|\\\\z|\\\\"'), ("echo", 'echo -e "a\\\\"'),
    ("echo", 'echo -e "\\\\0777"'),
    ("printf", 'printf "%s|%d|%i|%x|%X|%o|%c|%%|%5s|%-5s|%05d|%.2s|%e|%f|%g\\n" str 42 -7 255 255 8 char pad pad 42 abcdef 1.5 2.25 0.0001'),
    ("printf", 'printf "%s\\n" a b c'), ("printf", 'printf "%s %s\\n" a b c'), ("printf", 'printf "%d\\n" abc'),
    ("printf", 'printf "%d\\n" 12abc'), ("printf", "printf \"%d\\n\" 0x1f 010 \"'A\""), ("printf", 'printf "%b\\n" "a\\\\tb"'),
    ("printf", 'printf "\\\\101\\\\x41\\\\0101|\\\\e|\\\\a"'), ("printf", 'printf "%q" x'),
    ("printf", 'printf "%5.1f|%-8.3e|%+d|% d\\n" 3.14159 31415.9 5 5'), ("printf", 'printf "no newline"'),
    ("printf", 'printf "%s"'), ("printf", 'printf "%d %d\\n" 1'), ("printf", 'printf "%c" ""'), ("printf", 'printf "\\\\n%z"'),
    ("printf", 'printf "%5d|%-5d|%x\\n" 3 4 -1'), ("printf", 'printf "%d\\n" 99999999999999999999'),
    ("printf", 'printf "%d\\n" -5 " 7" "+3"'), ("printf", 'printf "%u\\n" -1'), ("printf", 'printf "a\\\\c b"; echo'),
    ("printf", 'printf "%b|" "a\\\\cb" c; echo'), ("printf", 'printf "%*d|%.*s|\\n" 5 1 2 abcd'),
    ("printf", 'printf "\\\\x4g\\\\08\\\\777"'), ("printf", 'printf "%5%|\\n"'), ("printf", 'printf "%"'),
    ("printf", 'printf "%y\\n"'), ("printf", 'printf "%s\\n" "%d"'), ("printf", 'printf -- "-x\\n"'),
    ("printf", "printf -v x y"), ("printf", 'printf "%ld %lld %hd\\n" 1 2 3'), ("printf", 'printf "%.3d|%#x|%#o\\n" 5 255 8'),
    ("printf", 'printf "%i\\n" 1.5'), ("printf", 'printf "%f\\n" abc'), ("printf", 'printf "%s\\\\n"'), ("printf", "printf"),
    ("printf", 'printf "%b" "\\\\0101\\\\101\\\\7\\\\x41\\\\c"'), ("printf", 'printf "%b\\n" "\\\\q"'),
    ("printf", 'printf "\\\\q\\n"'), ("printf", 'printf "\\\\"'), ("printf", 'printf "%lz\\n"'),
    # --- ls ---
    ("ls", TREE + "cd /tmp/t; ls"), ("ls", TREE + "cd /tmp/t; ls -a"), ("ls", TREE + "ls -l /tmp/t | grep -v ' -> '"),
    ("ls", TREE + "ls -1 /tmp/t"), ("ls", TREE + "ls -d /tmp/t /tmp/t/f"), ("ls", TREE + "ls /tmp/t/f /tmp/t/d"),
    ("ls", TREE + "ls /tmp/t/d /tmp/t/lines /nope"), ("ls", TREE + "ls -lL /tmp/t/link"), ("ls", TREE + "ls /tmp/t/dangling"),
    ("ls", TREE + "ls -F /tmp/t"), ("ls", TREE + "ls -p /tmp/t"), ("ls", TREE + "ls -R /tmp/t"), ("ls", TREE + "ls -s /tmp/t"),
    ("ls", TREE + "ls -n /tmp/t/f"), ("ls", "ls -Z"), ("ls", TREE + "ls -A /tmp/t"), ("ls", TREE + "ls -r /tmp/t"),
    ("ls", TREE + "ls /tmp/t -ld"), ("ls", "ls -x /bin"), ("ls", "ls -C /bin"), ("ls", "ls -xF /bin"), ("ls", "ls -Cs /etc"),
    ("ls", TREE + "ls -lS /tmp/t/d /tmp/t/f /tmp/t/lines"), ("ls", TREE + "ls -l /tmp/t/link/"), ("ls", TREE + "ls /tmp/t/link"),
    ("ls", TREE + "ls -l /tmp/t/d"), ("ls", TREE + "cd /tmp/t && ls d f"), ("ls", TREE + "ls -dl /tmp/t/d/"),
    ("ls", "ls -l /etc/passwd /etc/group"), ("ls", "ls /bin"), ("ls", "ls -la /root | grep -v '\\.$'"),
    ("ls", TREE + "ls -lh /tmp/t/f /tmp/t/d"), ("ls", "ls /"),
    ("ls", "dd if=/dev/zero of=/tmp/big bs=1k count=1500 2>/dev/null; " + OLD + " /tmp/big; ls -lh /tmp/big; ls -sh /tmp/big"),
    # --- file applets ---
    ("files", "mkdir /tmp/m1 && mkdir -p /tmp/m1/a/b && ls -d /tmp/m1/a/b"), ("files", "mkdir -p /tmp"),
    ("files", "mkdir /etc/passwd/x"), ("files", "mkdir -p /etc/passwd/x"), ("files", "mkdir"),
    ("files", "mkdir -m 700 /tmp/m2; " + OLD + " /tmp/m2; ls -ld /tmp/m2"), ("files", "mkdir /tmp"), ("files", "mkdir /a/b/c"),
    ("files", "rm"), ("files", "rm -f"), ("files", "rm -rf /nope /tmp/xx; echo $?"), ("files", "rm /nope"), ("files", "rm /tmp"),
    ("files", "rm -r /nope"), ("files", "rm -f /nope"), ("files", "rmdir /tmp; echo $?"), ("files", "rmdir /nope"),
    ("files", "touch /tmp/tt; ls /tmp/tt; rm /tmp/tt; ls /tmp"), ("files", "touch"), ("files", "touch -c /tmp/nope; ls /tmp/nope"),
    ("files", "touch /a/b"), ("files", "cp /etc/passwd /tmp/p1; cat /tmp/p1 | wc -l"), ("files", "cp /etc /tmp/e2"),
    ("files", "cp -r /etc /tmp/e2; ls /tmp/e2"), ("files", "cp /etc/passwd /etc/group /tmp/nodir"), ("files", "cp /etc/passwd"),
    ("files", "cp /etc/passwd /nope/x"), ("files", "cp /nope /tmp/x"), ("files", "mv /nope /tmp/x"),
    ("files", "cp /etc/passwd /tmp/p1; mv /tmp/p1 /tmp/p2; ls /tmp"), ("files", "mv /etc/passwd /nope/x"), ("files", "mv"),
    ("files", "ln -s /etc/passwd /tmp/l1; ln -s x /tmp/l1; readlink /tmp/l1"),
    ("files", "ln -s /etc/passwd /tmp/l1; ln -sf /etc/group /tmp/l1; readlink /tmp/l1"),
    ("files", "ln /etc/passwd /tmp/hard; echo $?; ls -l /etc/passwd"), ("files", "ln -s /a /etc/passwd"), ("files", "chmod 777 /nope"),
    ("files", "cp /etc/passwd /tmp/h; " + OLD + " /tmp/h; chmod 600 /tmp/h; ls -l /tmp/h; chmod u+x,g=r /tmp/h; ls -l /tmp/h"),
    ("files", "chmod abc /tmp"), ("files", "chmod"),
    ("files", "mkdir -p /tmp/w/d; echo a > /tmp/w/a; cp /tmp/w/a /tmp/w/a"),
    ("files", "mkdir -p /tmp/w/d; echo a > /tmp/w/a; cp /tmp/w/a /tmp/w/a /tmp/w/x"),
    ("files", "mkdir -p /tmp/w/d; echo a > /tmp/w/a; cp /tmp/w/a /etc/passwd /tmp/w/a"),
    ("files", "mkdir -p /tmp/w/d; cp -r /tmp/w/d /tmp/w/d/sub"), ("files", "mkdir -p /tmp/w/d; mv /tmp/w/d /tmp/w/d/sub"),
    ("files", "mkdir -p /tmp/w/d; echo a > /tmp/w/a; mv /tmp/w/a /tmp/w/d; ls /tmp/w/d"),
    ("files", "echo a > /tmp/a; mv /tmp/a /tmp/a; ls /tmp"),
    ("files", "mv -t /tmp"), ("files", "cp -t /tmp"), ("files", "mv /tmp"),
    ("files", "mkdir /tmp/d; echo a > /tmp/a; echo b > /tmp/b; mv -t /tmp/d /tmp/a /tmp/b; ls /tmp /tmp/d"),
    ("files", "mkdir /tmp/d; echo a > /tmp/a; cp -t /tmp/d /tmp/a /etc/group; ls /tmp/d"),
    ("files", "echo a > /tmp/a; echo b > /tmp/b; mv -n /tmp/a /tmp/b; cat /tmp/b; ls /tmp"),
    ("files", "mkdir /tmp/d; echo a > /tmp/a; cp -T /tmp/a /tmp/d; echo $?; mv -T /tmp/a /tmp/d; echo $?"),
    ("files", "echo a > /tmp/a; mv /tmp/a /etc/group /tmp/nodir; echo $?"),
    ("files", "echo a > /tmp/a; mv -T /tmp/a /tmp/b /tmp/c; echo $?; cp -T /tmp/a /tmp/b /tmp/c 2>/dev/null; echo $?"),
    ("files", "mkdir -p /tmp/s /tmp/d /tmp/e; echo x > /tmp/s/x; cp -rT /tmp/s /tmp/d; mv -T /tmp/s /tmp/e; ls /tmp /tmp/d /tmp/e"),
    ("files", "mkdir -p /tmp/s /tmp/d; echo x > /tmp/d/x; mv -T /tmp/s /tmp/d; echo $?"), ("files", "mkdir /tmp/d; ln -s /x /tmp/d; ls /tmp/d"),
    ("files", "ln /nope /tmp/q"), ("files", "mkdir /tmp/d; ln /tmp/d /tmp/q"),
    ("files", "mkdir /tmp/d; ln -s /x /tmp/d/x; readlink /tmp/d/x; echo $?; readlink /etc/passwd; echo $?; readlink -f /bin/sh"),
    ("files", "realpath /bin/sh /nope /tmp/../tmp"), ("files", "echo a > /tmp/a; rmdir /tmp/a"),
    ("files", "mkdir -p /tmp/w/d; rmdir -p /tmp/w/d; ls /"), ("files", "echo a> /tmp/a; mkdir -p /tmp/a/b"),
    ("files", "mkdir -p /tmp/w/d2; rmdir /tmp/w/d2/"), ("files", "chmod 755 /nope; chmod -f 755 /nope; echo $?"),
    ("files", "echo a>/tmp/a; chmod 4755 /tmp/a; " + OLD + " /tmp/a; ls -l /tmp/a; mkdir -p /tmp/d; chmod 1777 /tmp/d; " + OLD + " /tmp/d; ls -ld /tmp/d"),
    ("files", "echo > /tmp/a; " + OLD + " /tmp/a; chmod 644 /tmp/a; chmod +x /tmp/a; chmod o-r /tmp/a; ls -l /tmp/a"),
    ("files", "echo > /tmp/a; " + OLD + " /tmp/a; chmod =r /tmp/a; ls -l /tmp/a; chmod a+rwX /tmp/a; ls -l /tmp/a"),
    ("files", "echo > /tmp/a; chmod 99 /tmp/a"),
    ("files", "mkdir -p /tmp/w/d; chmod -R g+w /tmp/w; " + OLD + " /tmp/w /tmp/w/d; ls -ld /tmp/w /tmp/w/d"),
    ("files", "mkdir /tmp/d; rm /tmp/d"), ("files", "mkdir /tmp/d; rm -d /tmp/d; echo $?"),
    ("files", 'echo > /tmp/a; touch -d "2020-01-01 00:00:00" /tmp/a; ls -l /tmp/a'),
    ("files", "echo >/tmp/a; touch -t 202101010000 /tmp/a; ls -l /tmp/a"), ("files", "echo > /tmp/a; touch -d @0 /tmp/a; ls -l /tmp/a"),
    ("files", "touch -r /etc/passwd /tmp/a; ls -l /tmp/a"),
    ("files", "mkdir -p /tmp/a/b; echo x > /tmp/a/b/f; cp -r /tmp/a /tmp/c; ls -R /tmp/c; mv /tmp/c /tmp/e; ls /tmp"),
    ("files", 'stat -c "%s %a %F %n %U %G %u %g %A %h" /etc/passwd /etc /bin/sh'), ("files", "stat -L -c %F /bin/sh"),
    ("files", 'echo x > /tmp/f; touch -d "2024-01-02 03:04:05" /tmp/f; stat -c "%Y %y %X %x" /tmp/f'),
    ("files", "stat -c %N /bin/sh"), ("files", "stat -c %q /etc"), ("files", "stat /nope"), ("files", "stat"),
    ("files", 'stat -c "%s" /nope /etc/group'),
    ("files", 'stat -c "%f %B %t %T %%" /etc /etc/passwd /bin/sh'),
    ("files", "dd if=/etc/passwd of=/tmp/dd1 bs=100 count=2; wc -c /tmp/dd1"), ("files", "dd if=/dev/zero bs=1k count=3 | wc -c"),
    ("files", "dd if=/etc/passwd bs=1 count=5 skip=5 2>/dev/null; echo"),
    ("files", "dd if=/etc/passwd of=/tmp/dd2 bs=10 count=1 seek=2 2>&1; wc -c /tmp/dd2"), ("files", "dd bs=abc"),
    ("files", "dd foo=bar"), ("files", "dd if=/etc/passwd status=none count=1 bs=4; echo"),
    ("files", "echo 0123456789 > /tmp/x; dd if=/etc/passwd of=/tmp/x conv=notrunc bs=4 count=1 2>/dev/null; cat /tmp/x"),
    ("files", "dd if=/dev/zero of=/tmp/big bs=1M count=2 2>&1; wc -c /tmp/big"),
    ("files", "dd if=/etc/passwd ibs=7 obs=3 count=2 2>&1 >/dev/null"), ("files", "dd if=/nope"),
    ("files", "dd if=/etc/passwd of=/nope/x"), ("files", 'printf "abc" | dd bs=2 conv=sync 2>/dev/null | wc -c'),
    ("files", "dd if=/etc/passwd bs=100 2>&1 >/dev/null"),
    ("files", "echo 0123456789 > /tmp/x; dd if=/etc/group of=/tmp/x bs=2 count=1 2>/dev/null; cat /tmp/x"),
    ("files", "sync; echo $?"),
    # --- text applets ---
    ("text", "wc /etc/passwd"), ("text", "wc -l /etc/passwd /etc/group"), ("text", 'printf "a b\\nc" | wc'),
    ("text", 'printf "a b\\nc" | wc -c'), ("text", 'printf "a b\\nc" | wc -w -l'), ("text", "wc -L /etc/passwd"),
    ("text", "wc -l /etc/passwd"), ("text", "wc -c < /etc/passwd"), ("text", "wc -lc /etc/passwd"), ("text", "echo hi | wc -l -"),
    ("text", "wc /nope /etc/passwd"), ("text", "wc -l /etc/passwd /nope"), ("text", "wc -x"),
    ("text", "head -n 2 /etc/passwd"), ("text", "head -2 /etc/passwd"), ("text", "head -c 5 /etc/passwd; echo"),
    ("text", "head -n -7 /etc/passwd"), ("text", "head /etc/passwd /etc/group"), ("text", "head -n"),
    ("text", "head -n abc /etc/passwd"), ("text", "head /nope"), ("text", 'printf "a\\nb" | head -n -1'),
    ("text", 'printf "a\\nb\\n" | head -c -2'), ("text", "head -q -n1 /etc/passwd /etc/group"), ("text", "head -v -n1 /etc/passwd"),
    ("text", "seq 20 | head"), ("text", "tail -n 2 /etc/passwd"), ("text", "tail -2 /etc/passwd"), ("text", "tail -n +8 /etc/passwd"),
    ("text", "tail -c 5 /etc/passwd"), ("text", 'printf "x\\ny" | tail -n 1'), ("text", "tail /nope"),
    ("text", "tail -n abc /etc/passwd"), ("text", "tail -n1 /etc/passwd /etc/group"), ("text", "tail +8 /etc/passwd"),
    ("text", "tail -c +330 /etc/passwd"), ("text", 'printf "" | tail'), ("text", "seq 15 | tail"), ("text", "tail -n 0 /etc/passwd"),
    ("text", "seq 3"), ("text", "seq 2 4"), ("text", "seq 1 2 7"), ("text", "seq 5 1"), ("text", "seq 5 -2 1"), ("text", "seq -s, 3"),
    ("text", "seq -w 8 10"), ("text", "seq 1.5 3"), ("text", "seq abc"), ("text", "seq"), ("text", "seq -1 1"),
    ("text", "seq 0.1 0.1 0.5"), ("text", 'seq -s "" 3'), ("text", "yes | head -3"), ("text", "yes a b | head -2"),
    ("text", "echo hi | tee /tmp/tee1; cat /tmp/tee1"), ("text", "echo hi | tee /tmp/t1; echo ho | tee -a /tmp/t1 >/dev/null; cat /tmp/t1"),
    ("text", "echo x | tee /nope/x; echo $?"), ("text", "echo x | tee /tmp/a /tmp/b; cat /tmp/a /tmp/b"),
    ("text", "grep root /etc/passwd"), ("text", "grep -v false /etc/passwd"), ("text", "grep -c x /etc/passwd"),
    ("text", "grep -q root /etc/passwd; echo $?"), ("text", "grep nothing /etc/passwd; echo $?"), ("text", "grep root /etc/passwd /etc/group"),
    ("text", "grep -i ROOT /etc/passwd"), ("text", "grep -n daemon /etc/passwd"), ("text", 'grep -F "a.b" /etc/passwd; echo $?'),
    ("text", 'grep "r..t" /etc/passwd'), ("text", 'grep -E "^(root|bin):" /etc/passwd'), ("text", "grep -e root -e bin /etc/passwd"),
    ("text", "grep -l root /etc/passwd /etc/group"), ("text", 'grep -o "ro*t" /etc/passwd'), ("text", "grep -w roo /etc/passwd; echo $?"),
    ("text", 'grep -x "root:x:0:" /etc/group'), ("text", "grep"), ("text", "grep -r root /etc"), ("text", "echo abc | grep -s b /nope -"),
    ("text", "grep x /nope"), ("text", "grep -h root /etc/passwd /etc/group"), ("text", "grep -H root /etc/passwd"),
    ("text", "grep -c root /etc/passwd /etc/group"), ("text", "grep -L root /etc/passwd /etc/group; echo $?"),
    ("text", 'echo "a.b" | grep -F .'), ("text", 'echo "aXb" | grep "a.b"'), ("text", "echo abc | grep -o b"),
    ("text", "grep -m 2 x /etc/passwd"), ("text", 'grep "[" /etc/passwd'), ("text", 'printf "a\\nb\\n" | grep -v a'),
    ("text", 'grep -n "" /etc/group | head -2'), ("text", 'echo "tab\tx" | grep "\t"'),
    ("text", "basename /a/b/c.txt .txt; basename /a/b/; basename /; basename c.txt c.txt; basename -s .c a.c b.c; basename -a x/y z/w"),
    ("text", "basename"), ("text", "basename a b c"),
    ("text", "dirname /a/b/c; dirname a; dirname /; dirname a/; dirname //a//b//; dirname /a"), ("text", "dirname a b"), ("text", "dirname"),
    ("text", "pwd; cd /tmp; pwd -P"), ("text", "cat /etc/hostname /nope /etc/group"), ("text", "echo x | cat - /etc/group"),
    ("text", "cat -n /etc/group"), ("text", "cat -A /etc/group"), ("text", "cat -e /etc/group"), ("text", "cat -v /etc/group"),
    ("text", "cat /etc"), ("text", "cat -u /etc/group"), ("text", "cat -z"), ("text", 'printf "a\\tb\\001\\n" | cat -A'),
    ("text", 'printf "a\\n\\nb\\n" | cat -b'), ("text", 'printf "a\\n\\nb" | cat -n'), ("text", 'printf "\\377x" | cat -v'),
    ("text", 'printf "a\\tb" | cat -t'), ("text", "cat < /etc/group > /tmp/c; cat /tmp/c | wc -l"),
    # --- identity and system ---
    ("system", "id"), ("system", "id -u; id -g; id -un; id -gn; id -G; id -Gn"), ("system", "id -n"), ("system", "id root"),
    ("system", "id nobody"), ("system", "id nosuch"), ("system", "id -u daemon"), ("system", "id -G nobody"), ("system", "whoami"),
    ("system", "hostname"), ("system", "hostname -s"), ("system", "uname; uname -s; uname -n"), ("system", "uname -o; uname -p; uname -i"),
    ("system", "uname -x"), ("system", "uname foo"), ("system", "date -d @0"), ("system", "date -d @0 +%s"),
    ("system", "date -Iseconds -d @0"), ("system", "date -u -d @86400"),
    ("system", 'date -d "2021-02-03 04:05:06" +"%Y|%m|%d|%H|%M|%S|%j|%a|%b|%e|%Z"'), ("system", "date -R -d @0"),
    ("system", "date -I -d @0"), ("system", "env -i A=1 B=2"), ("system", "env -i A=1 env"), ("system", "env -u PATH -i"),
    ("system", "env - X=1"), ("system", 'env -i A=1 sh -c "echo \\$A"'), ("system", "env X=1 false; echo $?"),
    ("system", "env -u HOME"), ("system", "env A=1 env | grep A="), ("system", "X=2 env | grep X"), ("system", "env -z"),
    ("system", "env -i PATH=/bin sh -c env"), ("system", "kill -l"), ("system", "kill -l TERM KILL 9 137"), ("system", "kill -s"),
    ("system", "kill -s FOO 1"), ("system", "kill -0 $$; echo $?"), ("system", "kill -n 15 99999"), ("system", "kill -TERM"),
    ("system", "kill 99999 99998"), ("system", "kill -9 abc"), ("system", "kill"), ("system", "kill -l 0"), ("system", "kill -l 64"),
    ("system", "kill -l abc"), ("system", "/bin/kill -l | head -2"), ("system", "/bin/kill 99999"), ("system", "/bin/kill"),
    ("system", "kill -SIGTERM 99999"), ("system", "kill -term 99999"), ("system", "kill -15 99999"),
    ("system", "sleep 0.1; echo $?; sleep 0"), ("system", "sleep -1"), ("system", "sleep 1x"), ("system", "sleep 0.01 0.01; echo ok"),
    ("system", "usleep 1000; echo ok"), ("system", "sleep"), ("system", "usleep"), ("system", "sleep 0.1s"),
    # --- test ---
    ("test", "test -e /etc; echo $?; test -f /etc; echo $?; test -d /etc; echo $?; [ -z \"\" ]; echo $?; [ -n \"\" ]; echo $?"),
    ("test", "[ a = a ]; echo $?; [ a != a ]; echo $?; [ 1 -eq 1 ]; echo $?; [ 2 -lt 1 ]; echo $?; [ 3 -ge 3 ]; echo $?"),
    ("test", "[ abc -eq 1 ]; echo $?"), ("test", "[ 1 -eq ]; echo $?"), ("test", "[ ! -e /nope ]; echo $?"),
    ("test", "[ -e /etc -a -d /etc ]; echo $?; [ -e /nope -o -d /etc ]; echo $?"), ("test", '[ "(" 1 = 1 ")" ]; echo $?'),
    ("test", '[ ]; echo $?; [ x ]; echo $?; [ "" ]; echo $?'), ("test", "test 1 -eq 1 extra; echo $?"), ("test", "[ 1 = 1"),
    ("test", "test -x /bin/sh; echo $?; test -L /bin/sh; echo $?; test -s /etc/passwd; echo $?; test -r /etc/passwd; echo $?; test -w /etc/passwd; echo $?"),
    ("test", "[ a \\< b ]; echo $?"), ("test", "[ -t 1 ]; echo $?"), ("test", "[ 09 -eq 9 ]; echo $?"), ("test", '[ " 1" -eq 1 ]; echo $?'),
    ("test", "[ -1 -lt 0 ]; echo $?"), ("test", "[ 99999999999999999999 -eq 1 ]; echo $?"), ("test", "/bin/test a = b; echo $?"),
    ("test", "/bin/[ 1"), ("test", "[ ! ]; echo $?"), ("test", "[ -n ]; echo $?"), ("test", "[ -z ]; echo $?"),
    ("test", "[ ! a = b ]; echo $?"), ("test", "[ a -a ! b ]; echo $?"), ("test", "[ \\( a \\) ]; echo $?"), ("test", "[ \\( a ]; echo $?"),
    ("test", "[ -f ]; echo $?"), ("test", "[ = ]; echo $?"), ("test", "[ a = ]; echo $?"), ("test", "test ! -d /etc -o -e /etc; echo $?"),
    ("test", "[ /etc -ef /etc/. ]; echo $?"), ("test", "[ -s /tmp ]; echo $?"), ("test", "[ -x /tmp ]; echo $?"),
    ("test", "[ -d /bin/sh ]; echo $?"),
    # --- pipelines ---
    ("pipes", "yes | head -c 100 | wc -c"), ("pipes", "echo a | cat | cat"), ("pipes", "seq 100 | tail -2"),
    ("pipes", 'echo x | { read v; echo "in: $v"; }; echo "out: $v"'), ("pipes", 'x=1 | true; echo "[$x]"'),
    ("pipes", "ls /nope | cat; echo $?"), ("pipes", 'echo "a b" | while read x y; do echo "$y $x"; done'),
    ("pipes", "seq 3 | while read n; do echo $((n*2)); done | tail -1"), ("pipes", "cat /etc/passwd | grep root | wc -l"),
    ("pipes", "echo a |\ncat"), ("pipes", "echo a | exit 3; echo $?"), ("pipes", "seq 1000000 | head -n 2"),
    ("pipes", "seq 1 0 5 | head -n 3"), ("pipes", "(echo a; echo b) | wc -l"), ("pipes", "ls /nope 2>&1 | wc -l"),
    ("pipes", "exec 2>&1; ls /nope | cat"),
    # --- stdin ---
    ("stdin", "cat", "line1\nline2\nline3\n"), ("stdin", 'read x; echo "got $x"; cat', "line1\nline2\nline3\n"),
    ("stdin", 'while read l; do echo "[$l]"; done', "line1\nline2\nline3\n"), ("stdin", "head -n 1", "line1\nline2\nline3\n"),
    ("stdin", "wc -l", "line1\nline2\nline3\n"), ("stdin", 'read a b; echo "$a|$b"', "x y z\n"), ("stdin", "grep 2", "line1\nline2\n"),
    ("stdin", "tee /tmp/o | wc -c; cat /tmp/o", "abc\n"), ("stdin", "sh", "echo hi\nexit 3\necho no\n"),
    ("stdin", "sh -s a b", "echo $1 $2\n"), ("stdin", "sh", 'if true\nthen echo multi\nfi\necho "a\nb"\n'),
    ("stdin", 'read -r x y z w; echo "$x,$y,$z,$w"', "1 2 3 4 5\n"), ("stdin", "cat - -", "data\n"),
    ("stdin", "dd bs=4 count=2 2>/dev/null; echo", "0123456789"), ("stdin", "read x; read y; echo $y", "a\nb\n"),
    ("stdin", "cat | cat | wc -l", "a\nb\n"), ("stdin", "echo $(cat)", "a\nb\n"), ("stdin", 'x=$(head -n 1); echo "$x"; cat', "a\nb\n"),
    ("stdin", 'read x; echo "[$x]"', "  a  b  \n"), ("stdin", 'IFS= read x; echo "[$x]"', "  a  b  \n"),
    ("stdin", 'read; echo "[$REPLY]"', "  a  b  \n"), ("stdin", 'read x; echo "$? [$x]"', "noeol"), ("stdin", "cat", "noeol"),
    ("stdin", 'read x; echo "[$x]"', "a\\\nb\n"), ("stdin", 'read -r x; echo "[$x]"', "a\\\nb\n"),
    ("stdin", 'read x; echo "$? [$x]"'), ("stdin", "cat; echo $?"), ("stdin", "sh", "echo unfinished \"quote\n"),
    # --- more parsing, standalone applets, trailing slashes ---
    ("expand", "x=$(case a in a) echo A;; esac); echo $x"), ("expand", 'echo "$(case b in b) echo B;; esac)"'),
    ("expand", "echo $( )x"), ("expand", 'echo "$(echo ")")"'), ("expand", 'echo $(echo "(" )'),
    ("expand", "x=$(\necho multi\nline\n); echo $x"), ("expand", "echo $(echo a; ) $(echo b\n)"),
    ("syntax", 'echo "$("'), ("exec", "type cat; command -v cat"),
    ("exec", "rm /bin/cat; cat /etc/group | head -1; env cat /etc/group | head -1"),
    ("exec", "printf '#!/bin/sh\\necho my cat\\n' > /tmp/cat; chmod +x /tmp/cat; PATH=/tmp:$PATH; cat /etc/hostname; echo rc=$?; /tmp/cat"),
    ("redir", "echo x > /tmp/f; cat /tmp/f/; echo y > /tmp/f/; ls /tmp/f/"),
    ("redir", "mkdir /tmp/d; cat /tmp/d/; echo > /tmp/d/; echo > /tmp/new/; cat < /tmp/d/"),
    ("redir", "exec > /tmp/all; echo one; ls -l /tmp/all | while read a b c d size rest; do echo $size; done >&2; echo two; cat /tmp/all >&2"),
    ("files", "ln -s a /tmp/b; ln -s b /tmp/a; cat /tmp/a; ls /tmp/a; echo x > /tmp/a"),
    ("files", "ln -s /tmp/nodir/x /tmp/l; echo hi > /tmp/l; ls /tmp"),
    ("files", "ln -s /tmp/target /tmp/l; echo hi > /tmp/l; cat /tmp/target; ls /tmp"),
    ("builtins", "cd /tmp; mkdir x; cd x; cd ..; pwd; cd ../../..; pwd"),
    ("builtins", "ln -s /etc /tmp/e; cd /tmp/e; pwd; ls passwd; cd ..; pwd"),
    ("builtins", "f() { set -e; false; echo no; }; f; echo after"), ("builtins", "(set -e; false; echo no); echo $?"),
    ("redir", "for i in 1 2; do cat <<EOF\nline $i\nEOF\ndone"), ("compound", 'f() { echo "$@" $#; }; f "a b" c'),
    ("compound", 'f() { shift; echo "$*"; }; f 1 2 3'), ("redir", "exec >/dev/null; echo hidden; echo shown >&2"),
    ("expand", "echo $LINENO; echo $LINENO"), ("expand", 'echo "${@:-none}"'), ("expand", "set -- a b c; echo ${2} ${10:-x}"),
    ("expand", 'x="a b"; set -- $x; echo $#'), ("expand", 'IFS=; x="a b"; set -- $x; echo $#'),
    ("expand", 'unset IFS; x="a:b c"; set -- $x; echo $#'), ("expand", "echo ${x:-$(echo sub)}"),
    ("lists", "while false; do :; done; echo $?"), ("lists", "for i in; do :; done; echo $?"),
    ("lists", "if false; then :; fi; echo $?"), ("redir", "echo a > /tmp/x; read l < /tmp/x; echo $l"),
    ("pipes", "cat /etc/passwd | while read line; do echo ${line%%:*}; done | head -3"),
    ("exec", 'printf "echo a\\nif\\n" > /tmp/s; sh /tmp/s'),
    ("exec", 'printf "true\\ncd /nope\\nnosuch\\n" > /tmp/s; sh /tmp/s; echo $?'), ("exec", 'sh -c "if" name'),
    ("exec", 'sh -c "true; nosuch" name'),
    # --- as an unprivileged user (uid = gid = 1000, no other group) ---
    ("nonroot", "id", None, 1000), ("nonroot", "whoami", None, 1000), ("nonroot", "echo x > /etc/passwd", None, 1000),
    ("nonroot", "echo x >> /etc/passwd", None, 1000), ("nonroot", "cat /etc/passwd | head -1", None, 1000),
    ("nonroot", "ls /root", None, 1000), ("nonroot", "cd /root", None, 1000), ("nonroot", "touch /etc/x", None, 1000),
    ("nonroot", "mkdir /etc/d", None, 1000), ("nonroot", "rm /etc/passwd", None, 1000),
    ("nonroot", "mkdir /tmp/d; chmod 000 /tmp/d; ls /tmp/d; touch /tmp/d/x", None, 1000),
    ("nonroot", "echo a > /tmp/f; chmod 000 /tmp/f; cat /tmp/f; echo b > /tmp/f", None, 1000),
    ("nonroot", "chmod 777 /etc/passwd", None, 1000),
    ("nonroot", "test -w /etc/passwd; echo $?; test -r /etc/passwd; echo $?; test -x /bin/busybox; echo $?", None, 1000),
    ("nonroot", "mv /etc/group /tmp/g", None, 1000), ("nonroot", "ln -s /x /etc/l", None, 1000),
    ("nonroot", "rm -rf /etc; echo $?", None, 1000),
    ("nonroot", "printf '#!/bin/sh\\necho hi\\n' > /tmp/s; chmod 644 /tmp/s; /tmp/s; sh /tmp/s", None, 1000),
    ("nonroot", "ls /tmp /root; echo $?", None, 1000),
    ("nonroot", "mkdir /tmp/a; echo > /tmp/a/f; chmod 300 /tmp/a; ls -l /tmp/a; echo $?; chmod 600 /tmp/a; ls /tmp/a", None, 1000),
    ("nonroot", "rm -r /root; echo $?; mkdir /tmp/d; echo > /tmp/d/f; chmod 500 /tmp/d; rm -r /tmp/d; echo $?", None, 1000),
    ("nonroot", "echo x > /tmp/x; ls -n /tmp/x | while read m l u g rest; do echo $m $u $g; done", None, 1000),
    ("nonroot", "id", None, 33), ("nonroot", "id -Gn; whoami", None, 33),
]


def build_root(root):
    os.chmod(root, 0o755)  # mkdtemp makes it 0700: other users could not enter
    for d in ("bin", "etc", "tmp", "root", "proc", "dev"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    os.chmod(os.path.join(root, "root"), 0o700)
    shutil.copy2("/bin/busybox", os.path.join(root, "bin/busybox"))
    for a in APPLETS:
        os.symlink("busybox", os.path.join(root, "bin", a))
    for name, text in (("passwd", PASSWD), ("group", GROUP)):
        path = os.path.join(root, "etc", name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        os.utime(path, (1700000000, 1700000000))
    dev = os.path.join(root, "dev")
    for name, minor in (("null", 3), ("zero", 5), ("urandom", 9)):
        os.mknod(os.path.join(dev, name), 0o20666, os.makedev(1, minor))
        os.chmod(os.path.join(dev, name), 0o666)
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink("/proc/self/fd/%d" % i, os.path.join(dev, name))
    subprocess.run(["mount", "-t", "proc", "proc", os.path.join(root, "proc")], check=True)


def reset(root):
    for name in os.listdir(root):
        if name not in ("proc", "dev"):
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
            p = os.path.join(root, name)
            if os.path.lexists(p):
                os.unlink(p)
    for d in ("bin", "etc", "tmp", "root"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    os.chmod(os.path.join(root, "root"), 0o700)
    shutil.copy2("/bin/busybox", os.path.join(root, "bin/busybox"))
    for a in APPLETS:
        os.symlink("busybox", os.path.join(root, "bin", a))
    for name, text in (("passwd", PASSWD), ("group", GROUP)):
        path = os.path.join(root, "etc", name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        os.utime(path, (1700000000, 1700000000))


def run_case(root, script, stdin, uid):
    reset(root)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": "testhost",
           "HOME": "/root"}
    inner = ('hostname testhost && exec env -i PATH="$PATH" HOSTNAME="$HOSTNAME" HOME="$HOME" '
             'chroot --userspec="$3:$3" --groups="$4" "$1" sh -c "$2"')
    groups = "0,10" if uid == 0 else str(uid)
    p = subprocess.run(["unshare", "-u", "/bin/sh", "-c", inner, "gen", root, script, str(uid), groups],
                       input=(stdin or "").encode(), capture_output=True, env=env, timeout=30)
    return p.stdout, p.stderr, p.returncode


def c_string(data):
    out = []
    for b in data:
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append('\\%03o' % b)
    return '"' + "".join(out) + '"'


def record(out_path):
    tmp = tempfile.mkdtemp(prefix="ctrt-bbroot-")
    try:
        build_root(tmp)
        lines = ["/* Generated by gen_cases.py from busybox 1.35 (Debian busybox-static); do not edit. */"]
        for case in CASES:
            area, script = case[0], case[1]
            stdin = case[2] if len(case) > 2 else None
            uid = case[3] if len(case) > 3 else 0
            out, err, status = run_case(tmp, script, stdin, uid)
            lines.append("{%s, %s, %s, %d, %s, %d, %s, %d, %d, %d}," % (
                c_string(area.encode()), c_string(script.encode()),
                c_string(stdin.encode()) if stdin is not None else "NULL", len(stdin.encode()) if stdin else 0,
                c_string(out), len(out), c_string(err), len(err), status, uid))
        with open(out_path, "w") as f:
            f.write("\n".join(lines) + "\n")
    finally:
        subprocess.run(["umount", os.path.join(tmp, "proc")])
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    check = sys.argv[1:] == ["--check"]
    if os.geteuid() != 0:
        if check:
            print("gen_cases.py --check: needs root (chroot, mount, unshare); skipped")
            sys.exit(77)
        sys.exit("gen_cases.py: needs root (chroot, mount, unshare)")
    if os.environ.get("CTRT_GEN_CASES_NS") != "1":
        # A private mount namespace: the recording root's /proc mount goes
        # with this process however it ends (a killed run left it mounted).
        os.environ["CTRT_GEN_CASES_NS"] = "1"
        os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable] + sys.argv)
    if not check:
        record(OUT)
        print("wrote %d cases to %s" % (len(CASES), OUT))
        return
    fd, fresh = tempfile.mkstemp(prefix="ctrt-shell-cases-", suffix=".inc")
    os.close(fd)
    try:
        record(fresh)
        with open(OUT) as f:
            committed = f.read().splitlines()
        with open(fresh) as f:
            recorded = f.read().splitlines()
    finally:
        os.unlink(fresh)
    if committed == recorded:
        print("%d cases re-recorded against %s: identical to %s" % (len(CASES), "/bin/busybox", OUT))
        return
    import difflib
    sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(committed, recorded, OUT, "re-recorded", n=0))
    sys.exit("gen_cases.py --check: busybox's output differs from the committed cases (above); if busybox is "
             "right, rerun `sudo %s` and fix the mock" % sys.argv[0])


if __name__ == "__main__":
    main()
