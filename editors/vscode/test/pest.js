// Reads the word lists out of grammar/src/cine.pest: the keywords (`kw_* = @{ "word" ~ ... }`)
// and the other rules made only of literal words (entry kinds, recall kinds, units).
const fs = require("node:fs");
const path = require("node:path");
const { ROOT } = require("./grammar.js");

const PEST_PATH = path.join(ROOT, "grammar/src/cine.pest");
const pest = fs.readFileSync(PEST_PATH, "utf8");

// The body of rule `name` (from `=` to the end of its line), or throws.
function body(name) {
  const m = new RegExp(`^${name}\\s*=\\s*(.*)$`, "m").exec(pest);
  if (!m) throw new Error(`no rule ${name} in ${PEST_PATH}`);
  return m[1];
}

const literals = (name) => [...body(name).matchAll(/"([^"]*)"/g)].map((m) => m[1]);

// { rule: "kw_title", word: "title" } for each kw_* rule, in file order.
const keywordRules = [...pest.matchAll(/^(kw_\w+)\s*=\s*@\{\s*"(\w+)"/gm)].map((m) => ({
  rule: m[1],
  word: m[2],
}));

module.exports = {
  PEST_PATH,
  pest,
  body,
  keywordRules,
  keywords: keywordRules.map((k) => k.word),
  entryKinds: literals("entry_kind"),
  recallKinds: literals("recall_kind"),
  units: literals("unit"),
};
