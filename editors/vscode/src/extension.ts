// The cine extension: starts `cine lsp` for .cine files; commands to restart it,
// lint and render.
// Every check, fix and format comes from the server; nothing is checked here.
import * as fs from "node:fs";
import * as path from "node:path";
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
    vscode.commands.registerCommand("cine.lint", () => runTask("lint")),
    vscode.commands.registerCommand("cine.render", () => runTask("render")),
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

// `cine.path`: a name on PATH, or a path (a relative one from the first workspace folder).
function cinePath(): string {
  const setting = vscode.workspace.getConfiguration("cine").get<string>("path", "cine").trim() || "cine";
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (/[\\/]/.test(setting) && !path.isAbsolute(setting) && folder) {
    return path.join(folder, setting);
  }
  return setting;
}

// Whether `command` is a file, as a path or in a PATH folder (with PATHEXT on Windows).
function exists(command: string): boolean {
  const dirs = /[\\/]/.test(command) ? [""] : (process.env.PATH ?? "").split(path.delimiter);
  const exts = process.platform === "win32" ? ["", ...(process.env.PATHEXT ?? ".EXE").split(";")] : [""];
  return dirs.some((dir) => exts.some((ext) => fs.statSync(path.join(dir, command + ext), { throwIfNoEntry: false })?.isFile()));
}

async function start(): Promise<void> {
  const command = cinePath();
  if (!exists(command)) {
    void showStartError(command, { code: "ENOENT" });
    return;
  }
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

// Runs `cine lint FILE` or `cine render FILE -o out/NAME.mp4` as a task, after saving.
// out/ is in the workspace folder (the file's folder outside a workspace); it is created.
async function runTask(sub: "lint" | "render"): Promise<void> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || doc.languageId !== "cine" || doc.uri.scheme !== "file") {
    void vscode.window.showErrorMessage(`cine ${sub}: open a saved .cine file first.`);
    return;
  }
  await doc.save();
  const file = doc.uri.fsPath;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const cwd = folder?.uri.fsPath ?? path.dirname(file);
  const args = [sub, file];
  if (sub === "render") {
    fs.mkdirSync(path.join(cwd, "out"), { recursive: true });
    args.push("-o", path.join("out", `${path.basename(file, ".cine")}.mp4`));
  }
  const task = new vscode.Task(
    { type: "cine", command: sub },
    folder ?? vscode.TaskScope.Workspace,
    `${sub} ${path.basename(file)}`,
    "cine",
    new vscode.ProcessExecution(cinePath(), args, { cwd }),
  );
  await vscode.tasks.executeTask(task);
}
