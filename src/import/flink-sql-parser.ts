/**
 * dt-sql-parser's FlinkSQL grammar (ANTLR), loaded for Node.
 *
 * The package ships ES modules with extensionless relative imports (`from './parser'`), which
 * bundlers resolve and Node's ESM loader refuses (ERR_UNSUPPORTED_DIR_IMPORT). A resolve hook,
 * scoped to files inside the package, retries such a specifier as `./x.js` and `./x/index.js`:
 * the package's own code, loaded as published. Only the Flink dialect is imported.
 */
import { registerHooks } from 'node:module';
import type { FlinkSQL as FlinkSQLType } from 'dt-sql-parser/dist/parser/flink/index.js';

let hooked = false;

function hookExtensionlessImports(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, next) {
      try {
        return next(specifier, context);
      } catch (e) {
        if (!specifier.startsWith('.') || context.parentURL?.includes('/node_modules/dt-sql-parser/') !== true) throw e;
        for (const suffix of ['.js', '/index.js']) {
          try {
            return next(specifier + suffix, context);
          } catch {
            // try the next form
          }
        }
        throw e;
      }
    },
  });
}

let parser: FlinkSQLType | undefined;

/** The FlinkSQL parser (loaded on first use: `sluice run` never pays for it). */
export async function flinkSqlParser(): Promise<FlinkSQLType> {
  if (parser === undefined) {
    hookExtensionlessImports();
    const { FlinkSQL } = await import('dt-sql-parser/dist/parser/flink/index.js');
    parser = new FlinkSQL();
  }
  return parser;
}
