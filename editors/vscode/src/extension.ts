// The cine extension: starts `cine lsp` for .cine files and adds three commands.
// Every check, fix and format comes from the server; nothing is checked here.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("cine.restartServer", restart),
    vscode.commands.registerCommand("cine.lint", () => runInTerminal("lint")),
    vscode.commands.registerCommand("cine.render", () => runInTerminal("render")),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("cine.path")) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

function cinePath(): string {
  const path = vscode.workspace.getConfiguration("cine").get<string>("path", "cine");
  return path.trim() || "cine";
}

async function start(): Promise<void> {
  const command = cinePath();
  const serverOptions: ServerOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "cine" },
      { scheme: "untitled", language: "cine" },
    ],
    // The client reads `cine.trace.server` itself, from the section named by the id.
  };
  const next = new LanguageClient("cine", "cine", serverOptions, clientOptions);
  try {
    await next.start();
    client = next;
  } catch (err) {
    await next.dispose().catch(() => undefined);
    void showStartError(command, err);
  }
}

async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  if (old) {
    await old.stop().catch(() => undefined);
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function showStartError(command: string, err: unknown): Promise<void> {
  const code = (err as { code?: string } | undefined)?.code;
  const notFound = code === "ENOENT" || String(err).includes("ENOENT");
  const message = notFound
    ? `cine: could not find the executable \`${command}\`. Install cine (cargo install --path . in the cine repository) or set \`cine.path\` to the cine binary.`
    : `cine: \`${command} lsp\` failed to start: ${String(err)}`;
  const choice = await vscode.window.showErrorMessage(message, "Open Settings");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "cine.path");
  }
}

// Runs `cine lint FILE` or `cine render FILE -o out/NAME.mp4` in a terminal, after saving.
async function runInTerminal(sub: "lint" | "render"): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document;
  if (!doc || doc.languageId !== "cine" || doc.uri.scheme !== "file") {
    void vscode.window.showErrorMessage(`cine ${sub}: open a saved .cine file first.`);
    return;
  }
  await doc.save();
  const file = doc.uri.fsPath;
  const args = [sub, file];
  if (sub === "render") {
    const name = file.replace(/^.*[\\/]/, "").replace(/\.cine$/, "");
    args.push("-o", `out/${name}.mp4`);
  }
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const terminal = vscode.window.createTerminal({
    name: `cine ${sub}`,
    cwd: folder?.uri.fsPath ?? vscode.Uri.joinPath(doc.uri, "..").fsPath,
  });
  terminal.show();
  terminal.sendText([cinePath(), ...args].map(quote).join(" "));
}

// Quotes a word for the terminal's shell when it needs it.
function quote(word: string): string {
  return /^[\w./:=-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, "\\$1")}"`;
}
