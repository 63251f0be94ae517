// Starts `frist lsp` for YAML files; the server answers for rule books (`frist: 1`) and leaves other YAML alone.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const [command, ...args] = vscode.workspace.getConfiguration("frist").get("server.command");
  client = new LanguageClient("frist", "frist rule books", { command, args }, {
    documentSelector: [{ scheme: "file", language: "yaml" }, { scheme: "untitled", language: "yaml" }],
  });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
