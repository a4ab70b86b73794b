#!/usr/bin/env python3
"""Check the structure of ctrt-conform --merge's HTML page against the
Markdown of the same merge (whose exact text merge-cli.sh checks):
  merge-html-check.py PAGE.html REPORT.md
The page is self-contained (no script, no external resource); its matrix has
the Markdown's engines and methods in order, every cell the Markdown's text
with a class naming its verdict and, when some case did not pass, a
<details> with one item per such case; the totals and the legend are there;
strings from the JSON are text, never markup."""
import re
import sys
from html.parser import HTMLParser

VERDICTS = ["pass", "default", "diverges", "unsupported", "error", "fail", "untested"]
VOID = {"meta", "br", "link", "img", "input", "hr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def own_text(self):
        return "".join(c for c in self.children if isinstance(c, str))

    def find_all(self, tag, cls=None):
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag and (cls is None or cls in c.attrs.get("class", "").split()):
                    yield c
                yield from c.find_all(tag, cls)

    def kids(self, tag):
        return [c for c in self.children if isinstance(c, Node) and c.tag == tag]


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.at = Node("#root", [], None)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.at.tag != tag:
            self.problems.append(f"</{tag}> closes <{self.at.tag}>")
            return
        self.at = self.at.parent

    def handle_data(self, data):
        self.at.children.append(data)


def markdown_table(path):
    lines = [line for line in open(path, encoding="utf-8") if line.startswith("| ")]
    split = lambda line: [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
    return split(lines[0]), [split(line) for line in lines[1:]]


def main():
    page, md = sys.argv[1], sys.argv[2]
    problems = []
    check = lambda cond, what: cond or problems.append(what)
    source = open(page, encoding="utf-8").read()
    tree = Tree()
    tree.feed(source)
    tree.close()
    problems += tree.problems
    check(tree.at is tree.root, f"unclosed <{tree.at.tag}>")
    root = tree.root
    # Self-contained, nothing to run.
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        check(not list(root.find_all(tag)), f"a <{tag}> element")
    check(not re.search(r"\s(src|href)\s*=", source), "an attribute loading something (src/href)")
    style = "".join(s.text() for s in root.find_all("style"))
    check(style and "url(" not in style and "@import" not in style, "the style loads something or is missing")

    header, rows = markdown_table(md)
    body_rows = [r for r in rows if not r[0].startswith("**")]
    total_rows = [r for r in rows if r[0].startswith("**")]
    notes = header[-1] == "notes"
    # A "latency: ENGINE" column (--benchmark) follows its engine's column.
    columns = header[1 : len(header) - notes]
    engines = [c for c in columns if not c.startswith("latency: ")]
    verdict_at = [i for i, c in enumerate(columns) if not c.startswith("latency: ")]
    tables = list(root.find_all("table", "matrix"))
    check(len(tables) == 1, f"{len(tables)} matrix tables")
    if tables:
        table = tables[0]
        thead, tbody, tfoot = (table.kids(t) for t in ("thead", "tbody", "tfoot"))
        heads = [th for tr in thead[0].kids("tr") for th in tr.kids("th")] if thead else []
        check(len(heads) == len(header), f"{len(heads)} column headers, the Markdown has {len(header)}")
        for th, label in zip([heads[1 + i] for i in verdict_at if 1 + i < len(heads)], engines):
            name = " ".join(d.text() for d in th.kids("div"))
            check(label.startswith(name), f"column header {name!r}, the Markdown has {label!r}")
            check(th.kids("ul"), f"column {label!r} lists no backend and facts")
        trs = tbody[0].kids("tr") if tbody else []
        check(len(trs) == len(body_rows), f"{len(trs)} method rows, the Markdown has {len(body_rows)}")
        for tr, row in zip(trs, body_rows):
            method = tr.kids("th")[0].text() if tr.kids("th") else None
            check(method == row[0], f"row {method!r} where the Markdown has {row[0]!r}")
            tds = tr.kids("td")
            check(len(tds) == len(row) - 1, f"{row[0]}: {len(tds)} cells")
            for i, label in enumerate(columns):
                if i >= len(tds) or not label.startswith("latency: "):
                    continue
                check(tds[i].attrs.get("class") == "latency" and tds[i].text() == row[1 + i],
                      f"{row[0]}: latency cell {tds[i].text()!r}, the Markdown {row[1 + i]!r}")
            for td, text in zip([tds[i] for i in verdict_at if i < len(tds)], [row[1 + i] for i in verdict_at]):
                verdict = text.split()[0]
                check(td.attrs.get("class") == f"v-{verdict}", f"{row[0]}: class {td.attrs.get('class')!r} for {text!r}")
                check(td.attrs.get("title", "").startswith(f"{verdict}: "), f"{row[0]}: title {td.attrs.get('title')!r}")
                details = td.kids("details")
                m = re.match(r"\S+ (\d+)/(\d+)", text)
                not_passed = m and int(m.group(1)) < int(m.group(2))
                check(bool(details) == bool(not_passed), f"{row[0]}: {len(details)} <details> for {text!r}")
                summary = details[0].kids("summary") if details else []
                check(summary or not details, f"{row[0]}: a <details> without <summary>")
                shown = summary[0].text() if summary else td.own_text()
                check(shown == text, f"{row[0]}: the cell says {shown!r}, the Markdown {text!r}")
                if details:
                    items = [li for ul in details[0].kids("ul") for li in ul.kids("li")]
                    others = sum(int(k) for k in re.findall(r", (\d+) \w+", text))
                    check(len(items) == others, f"{row[0]}: {len(items)} cases listed for {text!r}")
        foot = tfoot[0].kids("tr") if tfoot else []
        check(len(foot) == len(total_rows) == 2, f"{len(foot)} total rows")
        for tr, row in zip(foot, total_rows):
            cells = [td.text() for td in tr.kids("td")][: len(columns)]
            check(cells == row[1 : 1 + len(columns)], f"totals {cells} where the Markdown has {row[1:]}")
    legend = [td.attrs.get("class") for t in root.find_all("table", "legend") for tr in t.kids("tr") for td in tr.kids("td")[:1]]
    check(legend == [f"v-{v}" for v in VERDICTS], f"the legend's verdicts: {legend}")
    text = root.text()
    if "podman 4.3.1" in engines:
        for hostile in ("<script>alert(1)</script>", '<v2> & "unified"', "answers <b>500</b> & \"garbles\" it"):
            check(hostile in text, f"{hostile!r} is not shown as text")
    for p in problems:
        print(f"{page}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
