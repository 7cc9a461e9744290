// Loads syntaxes/cine.tmLanguage.json with vscode-textmate (as VS Code does) and tokenizes
// text in plain Node. Shared by the *.test.js files.
const fs = require("node:fs");
const path = require("node:path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const ROOT = path.resolve(__dirname, "../../..");
const GRAMMAR_PATH = path.join(__dirname, "../syntaxes/cine.tmLanguage.json");

let loaded;

function load() {
  if (!loaded) {
    const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    const onigLib = oniguruma
      .loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength))
      .then(() => ({
        createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }));
    const registry = new vsctm.Registry({
      onigLib,
      loadGrammar: async (scopeName) =>
        scopeName === "source.cine"
          ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH)
          : null,
    });
    loaded = registry.loadGrammar("source.cine");
  }
  return loaded;
}

// Tokenizes `text` line by line: [{ line, tokens: [{ text, start, end, scopes }], depth }],
// `depth` being the rule stack's depth after the line (1: nothing left open).
async function tokenize(text) {
  const grammar = await load();
  let state = vsctm.INITIAL;
  return text.split(/\r?\n/).map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    // vscode-textmate tokenizes the line with its "\n": the last token may end past it.
    const tokens = r.tokens
      .map((t) => ({ start: t.startIndex, end: Math.min(t.endIndex, line.length), scopes: t.scopes }))
      .filter((t) => t.start < t.end)
      .map((t) => ({ text: line.slice(t.start, t.end), ...t }));
    return { line, tokens, depth: state.depth };
  });
}

// The tokens of one line whose text is `text` (all of them, in order).
function tokensOf(lineTokens, text) {
  return lineTokens.tokens.filter((t) => t.text === text);
}

const isKeywordScope = (s) => s.startsWith("keyword.") || s.startsWith("storage.");
const hasScope = (token, prefix) => token.scopes.some((s) => s.startsWith(prefix));

module.exports = { ROOT, GRAMMAR_PATH, tokenize, tokensOf, isKeywordScope, hasScope };
