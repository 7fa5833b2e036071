import { join, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../src/server/paths.js';

/**
 * Type errors by file when `roots` are compiled with the project's options and `file`'s text
 * replaced by `text` — in memory only (a compiler host that serves the edited text), so a test can
 * edit the contract and see where the compiler points, without touching the tree.
 */
export function errorsWithEdit(file: string, text: string, roots: string[]): Map<string, string[]> {
  const edited = resolve(file);
  const cfg = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  const options = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => (resolve(f) === edited ? text : read(f));
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, onError, create) =>
    resolve(f) === edited ? ts.createSourceFile(f, text, lang) : getSource(f, lang, onError, create);
  const program = ts.createProgram(roots, options, host);
  const out = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const f = d.file ? resolve(d.file.fileName) : '(global)';
    out.set(f, [...(out.get(f) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
  }
  return out;
}
