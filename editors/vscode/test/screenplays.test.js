// Tokenizes every bundled screenplay and stdlib module and checks the grammar against a
// small lexer written here from cine.pest: texts, comments, keywords and numbers.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const pest = require("./pest.js");
const { ROOT, tokenize, isKeywordScope, hasScope } = require("./grammar.js");

const KEYWORDS = new Set(pest.keywords);

function cineFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? cineFiles(p) : e.name.endsWith(".cine") ? [p] : [];
  });
}

// Splits a line as cine.pest does: texts ("..." with \ escapes, or unclosed to the end of
// the line), a comment from `//`, words, numbers (with their unit) and punctuation. Returns
// the tokens outside texts and comments, and each character's class: c(ode), s(tring), m (comment).
function lex(line) {
  const cls = Array(line.length).fill("c");
  const toks = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      j = Math.min(j + 1, line.length);
      cls.fill("s", i, j);
      toks.push({ kind: "string", start: i, end: j });
      i = j;
    } else if (line.startsWith("//", i)) {
      cls.fill("m", i);
      break;
    } else {
      const m = /^(?:([A-Za-z_]\w*)|(-?\d+(?:\.\d+)?\w*)|(\S))/.exec(line.slice(i));
      if (m) {
        const kind = m[1] ? "word" : m[2] ? "number" : "punct";
        toks.push({ kind, text: m[0], start: i, end: i + m[0].length });
        i += m[0].length;
      } else i++;
    }
  }
  return { cls, toks };
}

// The tokens the pest grammar reads as keywords (kw_* rules, entry and recall kinds).
function keywordPositions(toks) {
  const [first, second] = toks;
  if (!first || first.kind !== "word" || !KEYWORDS.has(first.text) || second?.text === ":") return [];
  const out = [first];
  if (first.text === "say") {
    for (const t of toks.slice(2)) {
      if (t.text === ":") break;
      if (t.text === "at" || t.text === "for") out.push(t);
    }
  }
  if (first.text === "define" && pest.entryKinds.includes(second?.text)) out.push(second);
  if (first.text === "recall" && pest.recallKinds.includes(second?.text)) out.push(second);
  return out;
}

// The grammar's tokens over [start, end), asserting that they begin and end there.
function covering(tokens, start, end, where) {
  const inside = tokens.filter((t) => t.start < end && t.end > start);
  assert.ok(inside.length && inside[0].start === start && inside.at(-1).end === end, `${where}: a token boundary inside`);
  return inside;
}

const files = [...cineFiles(path.join(ROOT, "screenplays")), ...cineFiles(path.join(ROOT, "stdlib"))];

test("the bundled screenplays and stdlib modules are found", () => {
  assert.ok(files.length >= 10, `only ${files.length} .cine files under ${ROOT}`);
});

const seen = new Set();

for (const file of files) {
  const name = path.relative(ROOT, file);
  test(`${name}: no line leaves a text or comment open; texts, comments, keywords and numbers scoped`, async () => {
    const lines = await tokenize(fs.readFileSync(file, "utf8"));
    lines.forEach(({ line, tokens, depth }, n) => {
      const where = `${name}:${n + 1}: ${JSON.stringify(line)}`;
      // Nothing in cine spans lines: after each line the grammar is back at the top.
      assert.equal(depth, 1, `${where}: the line ends inside ${tokens.at(-1)?.scopes.join(" ")}`);
      const { cls, toks } = lex(line);
      for (const t of tokens) {
        const want = hasScope(t, "comment.") ? "m" : hasScope(t, "string.") ? "s" : "c";
        for (let i = t.start; i < t.end; i++) {
          assert.equal(want, cls[i], `${where}: column ${i + 1} (${JSON.stringify(t.text)}: ${t.scopes.join(" ")})`);
        }
      }
      for (const k of keywordPositions(toks)) {
        seen.add(k.text);
        for (const t of covering(tokens, k.start, k.end, `${where}: "${k.text}"`)) {
          assert.ok(t.scopes.some(isKeywordScope), `${where}: keyword "${k.text}" has ${t.scopes.join(" ")}`);
        }
      }
      for (const k of toks.filter((t) => t.kind === "number" && /^-?\d+(\.\d+)?[sf]?$/.test(t.text))) {
        for (const t of covering(tokens, k.start, k.end, `${where}: "${k.text}"`)) {
          assert.ok(hasScope(t, "constant.numeric."), `${where}: number "${k.text}" has ${t.scopes.join(" ")}`);
        }
      }
    });
  });
}

test("the files use most keywords (so the checks above check something)", () => {
  const unseen = pest.keywords.filter((k) => !seen.has(k));
  assert.ok(seen.size >= pest.keywords.length - 3, `keywords never seen: ${unseen.join(" ")}`);
});
