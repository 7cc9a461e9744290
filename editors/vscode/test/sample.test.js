// Exact scopes on a hand-written screenplay.
const test = require("node:test");
const assert = require("node:assert/strict");
const { tokenize, tokensOf, hasScope } = require("./grammar.js");

const SAMPLE = String.raw`// A sample for the grammar tests.
title "The \"Lamp\""
use styles
cast keeper "an old keeper" { // the lead
  size: 2
}
const slow = 0.5
define camera drift "the camera drifts" {
  speed: 1
}
scene cliff {
  shot lamp {
    duration 1.5s
    camera orbit_left(speed: slow, degrees: 45)
    transition dissolve(frames: 8f)
    say keeper at 1.5s for 2s: "Burn bright."
    recall shot door at 2s
    action "never closed
    duration 24f // cine:allow(short-shot, frame-rounding)
  }
}
caption "C:\path \\ \n"`;

let lines;
test.before(async () => {
  lines = await tokenize(SAMPLE);
});

// The only token of line `n` (1-based) whose text is `text` (or the `nth` of them).
function token(n, text, nth = 0) {
  const found = tokensOf(lines[n - 1], text);
  assert.ok(found.length > nth, `line ${n} ${JSON.stringify(lines[n - 1].line)}: no token ${JSON.stringify(text)}`);
  return found[nth];
}

function scoped(n, text, prefix, nth = 0) {
  const t = token(n, text, nth);
  assert.ok(hasScope(t, prefix), `line ${n}: ${JSON.stringify(text)} has ${t.scopes.join(" ")}, not ${prefix}`);
}

function notScoped(n, text, prefix, nth = 0) {
  const t = token(n, text, nth);
  assert.ok(!hasScope(t, prefix), `line ${n}: ${JSON.stringify(text)} has ${prefix} (${t.scopes.join(" ")})`);
}

test("a shot's name, a scene's name and a cast member's name are entity names", () => {
  scoped(12, "shot", "storage.type.shot");
  scoped(12, "lamp", "entity.name.function.shot");
  scoped(11, "cliff", "entity.name.section.scene");
  scoped(4, "keeper", "entity.name.type.cast");
  scoped(8, "camera", "storage.modifier.kind");
  scoped(8, "drift", "entity.name.function.vocabulary");
  scoped(7, "slow", "variable.other.constant");
});

test("a duration is a number with its unit", () => {
  scoped(13, "duration", "keyword.other.duration");
  scoped(13, "1.5", "constant.numeric.duration");
  scoped(13, "s", "constant.numeric.duration");
  scoped(13, "s", "keyword.other.unit");
  scoped(15, "8", "constant.numeric.duration");
  scoped(15, "f", "keyword.other.unit");
  scoped(7, "0.5", "constant.numeric");
});

test("an escaped quote stays inside its text", () => {
  scoped(2, '\\"', "constant.character.escape", 0);
  scoped(2, '\\"', "string.quoted.double", 1);
  scoped(2, "Lamp", "string.quoted.double");
  scoped(2, '"', "punctuation.definition.string.begin", 0);
  scoped(2, '"', "punctuation.definition.string.end", 1);
  assert.equal(lines[1].tokens.at(-1).text, '"');
  assert.equal(lines[1].depth, 1);
});

test("only \\\" and \\\\ are escapes; another backslash is text", () => {
  scoped(22, "\\\\", "constant.character.escape");
  notScoped(22, "C:\\path ", "constant.character.escape");
  scoped(22, "C:\\path ", "string.quoted.double");
  notScoped(22, " \\n", "constant.character.escape");
});

test("a // comment after code is a comment, and the code before it is not", () => {
  scoped(4, "//", "comment.line.double-slash");
  scoped(4, "//", "punctuation.definition.comment");
  scoped(4, " the lead", "comment.line.double-slash");
  scoped(4, "{", "punctuation.section.block.begin");
  notScoped(4, "{", "comment");
  scoped(1, " A sample for the grammar tests.", "comment.line.double-slash");
});

test("say keeper at 1.5s for 2s: \"...\"", () => {
  scoped(16, "say", "keyword.other.say");
  scoped(16, "keeper", "variable.other.cast");
  scoped(16, "at", "keyword.other.at");
  scoped(16, "1.5", "constant.numeric.duration");
  scoped(16, "for", "keyword.other.for");
  scoped(16, "2", "constant.numeric.duration");
  scoped(16, ":", "punctuation.separator.key-value");
  scoped(16, "Burn bright.", "string.quoted.double");
});

test("a camera call: the entry, its parameters and their values", () => {
  scoped(14, "camera", "keyword.other.camera");
  scoped(14, "orbit_left", "support.function.vocabulary");
  scoped(14, "(", "punctuation.section.parens.begin");
  scoped(14, "speed", "variable.parameter");
  scoped(14, "slow", "variable.other.constant");
  scoped(14, "degrees", "variable.parameter");
  scoped(14, "45", "constant.numeric");
  scoped(14, ")", "punctuation.section.parens.end");
  scoped(15, "dissolve", "support.function.vocabulary");
  scoped(15, "frames", "variable.parameter");
});

test("attribute keys, recall kinds and module names are not statement keywords", () => {
  scoped(5, "size", "variable.other.property");
  notScoped(5, "size", "keyword");
  scoped(9, "speed", "variable.other.property");
  scoped(17, "recall", "keyword.other.recall");
  scoped(17, "shot", "storage.modifier.kind");
  scoped(17, "door", "variable.other.recalled");
  scoped(17, "at", "keyword.other.at");
  scoped(17, "2", "constant.numeric.duration");
  scoped(3, "styles", "entity.name.namespace");
});

test("an unclosed text ends with its line; cine:allow names its lints", () => {
  scoped(18, "never closed", "string.quoted.double");
  assert.equal(lines[17].depth, 1);
  scoped(19, "duration", "keyword.other.duration");
  scoped(19, "cine:allow", "keyword.other.directive.allow");
  scoped(19, "short-shot", "constant.other.lint");
  scoped(19, "frame-rounding", "constant.other.lint");
  scoped(19, "frame-rounding", "comment.line.double-slash");
  for (const l of lines) assert.equal(l.depth, 1, JSON.stringify(l.line));
});
