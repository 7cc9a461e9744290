// The grammar's keyword lists against grammar/src/cine.pest, so highlighting cannot fall
// behind the language: a keyword added to (or dropped from) the pest file fails here.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const pest = require("./pest.js");
const { GRAMMAR_PATH, tokenize, isKeywordScope } = require("./grammar.js");

const grammarJson = JSON.parse(fs.readFileSync(GRAMMAR_PATH, "utf8"));

// Every rule object of the grammar (patterns, repository entries, nested ones).
function* rules(node) {
  if (Array.isArray(node)) {
    for (const n of node) yield* rules(n);
  } else if (node && typeof node === "object") {
    if (node.match || node.begin) yield node;
    for (const v of Object.values(node)) yield* rules(v);
  }
}

// The source of capture group `n` of `regex` (groups counted as Oniguruma does: `(` not
// escaped, not in a [...] class and not followed by `?`).
function group(regex, n) {
  let count = 0;
  for (let i = 0, inClass = false; i < regex.length; i++) {
    const c = regex[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(" && regex[i + 1] !== "?" && ++count === n) {
      for (let j = i + 1, depth = 1; j < regex.length; j++) {
        if (regex[j] === "\\") j++;
        else if (regex[j] === "(") depth++;
        else if (regex[j] === ")" && --depth === 0) return regex.slice(i + 1, j);
      }
    }
  }
  throw new Error(`no group ${n} in ${regex}`);
}

// The words the grammar gives a keyword (keyword.* / storage.*) scope: the plain-word
// alternatives of every capture group so named.
function grammarKeywords() {
  const words = new Set();
  for (const rule of rules(grammarJson)) {
    for (const [key, regex] of [["captures", rule.match], ["beginCaptures", rule.begin]]) {
      for (const [n, cap] of Object.entries(rule[key] ?? {})) {
        if (!regex || !cap.name || !cap.name.split(" ").some(isKeywordScope)) continue;
        const src = n === "0" ? regex : group(regex, Number(n));
        for (const alt of src.replace(/^\(\?:|\)$/g, "").split("|")) {
          if (/^[a-z_]+$/.test(alt)) words.add(alt);
        }
      }
    }
  }
  return words;
}

const sorted = (xs) => [...new Set(xs)].sort();

test("every kw_* rule of cine.pest is a keyword in the grammar, and nothing else is", () => {
  assert.ok(pest.keywords.length >= 20, `only ${pest.keywords.length} kw_* rules found in ${pest.PEST_PATH}`);
  for (const { rule, word } of pest.keywordRules) assert.equal(rule, `kw_${word}`);
  const expected = sorted([...pest.keywords, ...pest.entryKinds, ...pest.recallKinds, ...pest.units]);
  assert.deepEqual(sorted(grammarKeywords()), expected);
});

test("no match rule scopes a whole word as a keyword without naming its words", () => {
  // Such a rule would escape the check above; keyword rules name their words in a group.
  for (const rule of rules(grammarJson)) {
    if (rule.match && rule.name && rule.name.split(" ").some(isKeywordScope)) {
      assert.doesNotMatch(rule.match, /[a-z]{2}/, `rule ${JSON.stringify(rule)}`);
    }
  }
});

test("each kw_* word is highlighted as a keyword where cine.pest accepts it", async () => {
  // A keyword that opens a statement is tested at the start of a line; the others (`at` also
  // opens one) must be parts of the `say` line, the only statement with inner keywords.
  const statements = [...pest.pest.matchAll(/^\w+_stmt\s*=\s*_\{([^}]*)\}/gm)]
    .flatMap((m) => m[1].split("|").map((s) => s.trim()));
  assert.ok(statements.includes("say_stmt"), `no *_stmt alternatives found in ${pest.PEST_PATH}`);
  const opening = new Set(statements.map((s) => /^\{\s*kw_(\w+)/.exec(pest.body(s))?.[1]));
  const inSay = new Set(
    ["say_at", "say_for"].flatMap((r) => [...pest.body(r).matchAll(/kw_(\w+)/g)].map((m) => m[1])),
  );
  for (const word of pest.keywords) {
    assert.ok(opening.has(word) || inSay.has(word), `kw_${word} opens no statement and is not in say_at/say_for: add a case here`);
    const line = opening.has(word) ? `  ${word} x` : `say a at 1s for 2s: "x"`;
    const [{ tokens }] = await tokenize(line);
    const token = tokens.find((t) => t.text === word);
    assert.ok(token, `${JSON.stringify(line)}: no token "${word}"`);
    assert.ok(token.scopes.some(isKeywordScope), `${JSON.stringify(line)}: "${word}" has ${token.scopes.join(" ")}`);
  }
});
