"""Reads a PyFlink program with Python's own parser (the `ast` module) and prints, as JSON,
what `sluice import` needs of it: the SQL strings it runs, its Table API chains, its
checkpoint and configuration calls, and its @udf functions translated to SQL expressions.

The program is never run. Its entry functions (those called at module level) are followed
statement by statement, the way Python would run them; a name bound to a literal (a string,
an f-string over literals, a number) is known from then on, which is how `sql_update(source_ddl)`
and `f"... '{kafka_topic}' ..."` resolve. Everything it does not understand is reported with
its line, never dropped.

Usage: python3 read_pyflink.py FILE  → one JSON object on stdout (see pyflink-program.ts).
"""
import ast
import json
import sys

SQL_RUNNERS = {'sql_update', 'execute_sql', 'add_insert_sql'}
INSERTERS = {'insert_into', 'execute_insert'}
FUNCTION_REGISTRARS = {'register_function', 'create_temporary_function', 'create_temporary_system_function', 'create_function'}
CONFIG_SETTERS = {'set_string', 'set_integer', 'set_boolean', 'set_float', 'set'}
# Calls that set up Flink itself; each has a reason why Sluice needs nothing for it.
SETUP_CALLS = {
    'get_execution_environment': None,
    'create': None,
    'Builder': None,
    'new_instance': None,
    'build': None,
    'in_streaming_mode': None,
    'in_batch_mode': 'batch mode: a Sluice job over files is bounded already; over Kafka set source.kafka.boundedMode',
    'use_blink_planner': 'one engine, nothing to choose',
    'use_old_planner': 'one engine, nothing to choose',
    'use_any_planner': 'one engine, nothing to choose',
    'get_config': None,
    'get_configuration': None,
    'execute': None,
    'wait': None,
    'set_stream_time_characteristic': 'event time comes from source.watermark (needed only for partition-time commits)',
    'add_jars': 'connectors are built in',
    'add_classpaths': 'connectors are built in',
    'set_python_requirements': 'Python is not run: UDFs are translated to SQL',
    'add_python_file': 'Python is not run: UDFs are translated to SQL',
    'create_statement_set': None,
}
SQL_TYPES = {
    'TINYINT': 'TINYINT', 'SMALLINT': 'SMALLINT', 'INT': 'INT', 'BIGINT': 'BIGINT', 'FLOAT': 'FLOAT',
    'DOUBLE': 'DOUBLE', 'BOOLEAN': 'BOOLEAN', 'STRING': 'STRING', 'DATE': 'DATE',
}


class Untranslatable(Exception):
    def __init__(self, node, why):
        super().__init__(why)
        self.line = getattr(node, 'lineno', None)
        self.why = why


def literal(node, scope):
    """The value of a literal-valued expression, or raise KeyError/ValueError."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
        return node.value
    if isinstance(node, ast.Name):
        return scope[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(v.value)
            elif isinstance(v, ast.FormattedValue) and v.format_spec is None and v.conversion == -1:
                parts.append(str(literal(v.value, scope)))
            else:
                raise ValueError('formatted value')
        return ''.join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = literal(node.left, scope), literal(node.right, scope)
        if type(a) is not type(b):
            raise ValueError('mixed +')
        return a + b
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = literal(node.operand, scope)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v
    raise ValueError('not a literal')


def chain(node):
    """`a.b(x).c(y)` → ('a', [('b', call), ('c', call)]); None when the root is not a name."""
    steps = []
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            steps.append((node.func.attr, node))
            node = node.func.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            steps.append((node.func.id, node))
            return None, list(reversed(steps))
        elif isinstance(node, ast.Attribute):
            steps.append((node.attr, None))
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id, list(reversed(steps))
        else:
            return None, list(reversed(steps))


def sql_type(node):
    """DataTypes.INT() → 'INT'; DataTypes.DECIMAL(10, 2) → 'DECIMAL(10, 2)'; 'INT' (string form)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip().upper()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        name = node.func.attr.upper()
        args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
        if name in SQL_TYPES and not args:
            return SQL_TYPES[name]
        if name in ('DECIMAL', 'VARCHAR', 'CHAR', 'TIMESTAMP') and len(args) == len(node.args):
            return f"{name}({', '.join(str(a) for a in args)})" if args else name
    return None


def kind_of_type(t):
    base = (t or '').split('(')[0]
    if base in ('TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT'):
        return 'int'
    if base in ('FLOAT', 'DOUBLE'):
        return 'float'
    if base in ('STRING', 'VARCHAR', 'CHAR'):
        return 'str'
    if base == 'BOOLEAN':
        return 'bool'
    if base == 'DECIMAL':
        return 'decimal'
    return 'other'


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


class UdfTranslator:
    """One Python expression → one SQL expression with the same meaning (Python's, not SQL's)."""

    COMPARE = {ast.Eq: '=', ast.NotEq: '<>', ast.Lt: '<', ast.LtE: '<=', ast.Gt: '>', ast.GtE: '>='}

    def __init__(self, params, constants):
        self.params = params          # name → kind
        self.constants = constants    # name → python value

    def const(self, node, v):
        if isinstance(v, bool):
            return ('TRUE' if v else 'FALSE'), 'bool'
        if isinstance(v, int):
            return str(v), 'int'
        if isinstance(v, float):
            return repr(v) + ('' if 'e' in repr(v) else 'E0'), 'float'
        if isinstance(v, str):
            return sql_string(v), 'str'
        raise Untranslatable(node, f'the constant {v!r} has no SQL literal')

    def numeric(self, node, *kinds):
        for k in kinds:
            if k not in ('int', 'float'):
                raise Untranslatable(node, f'{ast.unparse(node)}: an operand is {k}; only int and float operands are translated here')
        return 'float' if 'float' in kinds else 'int'

    def tr(self, node):
        if isinstance(node, ast.Constant):
            if node.value is None:
                return 'NULL', 'null'
            return self.const(node, node.value)
        if isinstance(node, ast.Name):
            if node.id in self.params:
                return f'`{node.id}`' if not node.id.isidentifier() else node.id, self.params[node.id]
            if node.id in self.constants:
                return self.const(node, self.constants[node.id])
            raise Untranslatable(node, f"'{node.id}' is neither a parameter nor a module constant bound to a literal")
        if isinstance(node, ast.BinOp):
            (a, ka), (b, kb) = self.tr(node.left), self.tr(node.right)
            op = type(node.op)
            if op is ast.Add and ka == kb == 'str':
                return f'({a} || {b})', 'str'
            if op in (ast.Add, ast.Sub, ast.Mult):
                sym = {ast.Add: '+', ast.Sub: '-', ast.Mult: '*'}[op]
                return f'({a} {sym} {b})', self.numeric(node, ka, kb)
            if op is ast.Mod:
                # Python's % takes the sign of the divisor: that is PMOD, not MOD (docs/decisions/0002).
                return f'PMOD({a}, {b})', self.numeric(node, ka, kb)
            if op is ast.FloorDiv:
                k = self.numeric(node, ka, kb)
                if k == 'int':
                    # SQL's integer / truncates toward zero; Python's // floors. They differ by
                    # one exactly when the remainder (MOD: the sign of the dividend) is non-zero
                    # and its sign is not the divisor's. No intermediate value can overflow.
                    try:
                        divisor = literal(node.right, self.constants)
                    except (KeyError, ValueError):
                        divisor = None
                    if isinstance(divisor, int) and divisor != 0:
                        sign = '<' if divisor > 0 else '>'
                        return f'({a} / {b} - IF(MOD({a}, {b}) {sign} 0, 1, 0))', 'int'
                    return f'({a} / {b} - IF(MOD({a}, {b}) < 0 AND {b} > 0 OR MOD({a}, {b}) > 0 AND {b} < 0, 1, 0))', 'int'
                return f'FLOOR({a} / {b})', 'float'
            if op is ast.Div:
                self.numeric(node, ka, kb)
                return f'(CAST({a} AS DOUBLE) / {b})', 'float'
            raise Untranslatable(node, f'the operator in {ast.unparse(node)} is not translated')
        if isinstance(node, ast.UnaryOp):
            v, k = self.tr(node.operand)
            if isinstance(node.op, ast.USub):
                return f'(-{v})', self.numeric(node, k)
            if isinstance(node.op, ast.UAdd):
                return v, self.numeric(node, k)
            if isinstance(node.op, ast.Not) and k == 'bool':
                return f'(NOT {v})', 'bool'
            raise Untranslatable(node, f'{ast.unparse(node)}: only -x, +x and `not` of a boolean are translated')
        if isinstance(node, ast.BoolOp):
            parts = [self.tr(v) for v in node.values]
            if any(k != 'bool' for _, k in parts):
                raise Untranslatable(node, f'{ast.unparse(node)}: `and`/`or` return one of their operands in Python; translated only over booleans')
            sym = ' AND ' if isinstance(node.op, ast.And) else ' OR '
            return '(' + sym.join(v for v, _ in parts) + ')', 'bool'
        if isinstance(node, ast.Compare):
            terms, left = [], node.left
            lv, lk = self.tr(left)
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
                    terms.append(f"({lv} IS {'NOT ' if isinstance(op, ast.IsNot) else ''}NULL)")
                    continue
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                    items = [self.tr(e) for e in right.elts]
                    if any(not self.comparable(lk, k) for _, k in items):
                        raise Untranslatable(node, f'{ast.unparse(node)}: the values are not all of the type of the left side')
                    neg = 'NOT ' if isinstance(op, ast.NotIn) else ''
                    terms.append(f"({lv} {neg}IN ({', '.join(v for v, _ in items)}))")
                    continue
                if type(op) not in self.COMPARE:
                    raise Untranslatable(node, f'the comparison in {ast.unparse(node)} is not translated')
                rv, rk = self.tr(right)
                if not self.comparable(lk, rk):
                    raise Untranslatable(node, f'{ast.unparse(node)} compares {lk} with {rk}, which Python refuses or answers False; not translated')
                terms.append(f'({lv} {self.COMPARE[type(op)]} {rv})')
                lv, lk = rv, rk
            return (terms[0] if len(terms) == 1 else '(' + ' AND '.join(terms) + ')'), 'bool'
        if isinstance(node, ast.IfExp):
            (c, kc), (a, ka), (b, kb) = self.tr(node.test), self.tr(node.body), self.tr(node.orelse)
            if kc != 'bool':
                raise Untranslatable(node, f'{ast.unparse(node.test)}: the condition is not a boolean (Python truthiness is not translated)')
            # IF, like Python, takes the else branch for a NULL (None) condition.
            return f'IF({c}, {a}, {b})', ka if ka == kb else self.numeric(node, ka, kb)
        if isinstance(node, ast.Call) and not node.keywords:
            if isinstance(node.func, ast.Name) and len(node.args) == 1:
                v, k = self.tr(node.args[0])
                if node.func.id == 'abs':
                    return f'ABS({v})', self.numeric(node, k)
                if node.func.id == 'len' and k == 'str':
                    return f'CHAR_LENGTH({v})', 'int'
                if node.func.id == 'str' and k == 'int':
                    return f'CAST({v} AS STRING)', 'str'
            if isinstance(node.func, ast.Attribute) and not node.args and node.func.attr in ('upper', 'lower'):
                v, k = self.tr(node.func.value)
                if k == 'str':
                    return f'{node.func.attr.upper()}({v})', 'str'
        raise Untranslatable(node, f'{ast.unparse(node)} has no SQL translation here (translated: arithmetic, %, //, /, string +, comparisons, and/or/not, if-else, abs, len, str, upper, lower)')

    @staticmethod
    def comparable(a, b):
        num = ('int', 'float')
        return (a in num and b in num) or a == b or 'null' in (a, b)


class Reader:
    def __init__(self, tree):
        self.tree = tree
        self.events = []
        self.constants = {}
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        self.udfs = {}

    def note(self, node, why, severity='needs-user'):
        self.events.append({'kind': 'finding', 'line': node.lineno, 'severity': severity, 'message': why})

    # --- module level -----------------------------------------------------------------
    def read(self):
        entry = []
        for stmt in self.tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                try:
                    self.constants[stmt.targets[0].id] = literal(stmt.value, self.constants)
                    continue
                except (KeyError, ValueError):
                    pass
            if isinstance(stmt, ast.FunctionDef):
                udf = self.udf_decorator(stmt)
                if udf is not None:
                    self.udfs[stmt.name] = (stmt, udf)
                continue
            if isinstance(stmt, ast.If) and self.is_main_guard(stmt):
                entry.extend(stmt.body)
                continue
            entry.append(stmt)
        self.run_body(entry, dict(self.constants), {})
        return {
            'events': self.events,
            'udfs': {name: self.translate_udf(fn, udf) for name, (fn, udf) in self.udfs.items()},
        }

    @staticmethod
    def is_main_guard(stmt):
        t = stmt.test
        return (isinstance(t, ast.Compare) and isinstance(t.left, ast.Name) and t.left.id == '__name__'
                and len(t.comparators) == 1 and isinstance(t.comparators[0], ast.Constant) and t.comparators[0].value == '__main__')

    @staticmethod
    def udf_decorator(fn):
        for d in fn.decorator_list:
            target = d.func if isinstance(d, ast.Call) else d
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, 'id', None)
            if name == 'udf':
                return d
        return None

    # --- UDFs -------------------------------------------------------------------------
    def translate_udf(self, fn, deco):
        kw = {k.arg: k.value for k in deco.keywords} if isinstance(deco, ast.Call) else {}
        inputs = kw.get('input_types')
        params = [a.arg for a in fn.args.args]
        types = []
        if isinstance(inputs, (ast.List, ast.Tuple)):
            types = [sql_type(e) for e in inputs.elts]
        elif inputs is not None:
            types = [sql_type(inputs)] * len(params)
        returns = sql_type(kw['result_type']) if 'result_type' in kw else None
        out = {'name': fn.name, 'line': fn.lineno, 'params': [{'name': p, 'type': t} for p, t in zip(params, types + [None] * len(params))], 'returns': returns}
        body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str))]
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            out['error'] = {'line': (body[0] if body else fn).lineno, 'why': 'the body is not a single `return <expression>`'}
            out['python'] = ast.unparse(fn.body[-1]) if fn.body else ''
            return out
        expr = body[0].value
        out['python'] = ast.unparse(expr)
        if fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs or None in types[:len(params)] or len(types) < len(params) or returns is None:
            out['error'] = {'line': fn.lineno, 'why': 'the @udf does not give a SQL type for every parameter (input_types) and the result (result_type)'}
            return out
        try:
            out['expression'], _ = UdfTranslator({p: kind_of_type(t) for p, t in zip(params, types)}, self.constants).tr(expr)
        except Untranslatable as e:
            out['error'] = {'line': e.line or expr.lineno, 'why': e.why}
        return out

    # --- the program's statements, in the order they run ------------------------------
    def run_body(self, body, scope, tables):
        for stmt in body:
            self.run_stmt(stmt, scope, tables)

    def run_stmt(self, stmt, scope, tables):
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return  # a docstring
        if isinstance(stmt, ast.FunctionDef):
            return
        if isinstance(stmt, (ast.With, ast.Try)):
            self.run_body(stmt.body, scope, tables)
            return
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            try:
                scope[name] = literal(stmt.value, scope)
                scope.setdefault('__lines__', {})[name] = stmt.value.lineno
                return
            except (KeyError, ValueError):
                scope.pop(name, None)
            table = self.call(stmt.value, scope, tables)
            if table is not None:
                tables[name] = table
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.call(stmt.value, scope, tables)
            return
        self.note(stmt, f'`{ast.unparse(stmt).splitlines()[0]}` is not followed: only straight-line PyFlink code is read')

    def string_arg(self, call, i, scope):
        """(text, line of the text's first line) of argument i, or None."""
        if len(call.args) <= i:
            return None
        node = call.args[i]
        try:
            text = literal(node, scope)
        except (KeyError, ValueError):
            self.note(node, f'`{ast.unparse(node)}` is not a string literal, an f-string over literals, or a name bound to one')
            return None
        if not isinstance(text, str):
            return None
        line = scope.get('__lines__', {}).get(node.id, node.lineno) if isinstance(node, ast.Name) else node.lineno
        return text, line

    def call(self, node, scope, tables):
        """Reads one call chain; returns a table description when the chain yields a Table."""
        if not isinstance(node, ast.Call):
            return None
        root, steps = chain(node)
        if root is None and steps and steps[0][0] in self.functions and len(steps) == 1:
            fn = self.functions[steps[0][0]]
            if steps[0][0] not in self.udfs:
                self.run_body(fn.body, dict(self.constants), {})
            return None
        table = tables.get(root) if root is not None else None
        for method, call in steps:
            if call is None:
                continue
            if method in SQL_RUNNERS:
                s = self.string_arg(call, 0, scope)
                if s:
                    self.events.append({'kind': 'sql', 'line': s[1], 'text': s[0]})
            elif method == 'sql_query':
                s = self.string_arg(call, 0, scope)
                table = {'kind': 'query', 'line': s[1], 'text': s[0]} if s else None
            elif method in ('from_path', 'scan'):
                s = self.string_arg(call, 0, scope)
                table = {'kind': 'path', 'line': call.lineno, 'source': s[0], 'ops': []} if s else None
            elif method in ('select', 'where', 'filter') and table is not None and table['kind'] == 'path':
                s = self.string_arg(call, 0, scope)
                if s:
                    table['ops'].append({'op': 'where' if method == 'filter' else method, 'line': call.lineno, 'text': s[0]})
                else:
                    table = None
            elif method in INSERTERS:
                s = self.string_arg(call, 0, scope)
                if s and table is not None:
                    self.events.append({'kind': 'insert', 'line': call.lineno, 'sink': s[0], 'table': table})
                elif s:
                    self.note(call, f'`{ast.unparse(call)}`: the table inserted is not one this reader follows')
                table = None
            elif method == 'add_insert' and len(call.args) == 2:
                s = self.string_arg(call, 0, scope)
                t = self.call(call.args[1], scope, tables) if isinstance(call.args[1], ast.Call) else tables.get(getattr(call.args[1], 'id', None))
                if s and t:
                    self.events.append({'kind': 'insert', 'line': call.lineno, 'sink': s[0], 'table': t})
            elif method == 'enable_checkpointing':
                self.checkpointing(call, scope)
            elif method == 'set_parallelism' and call.args:
                self.config(call, 'parallelism.default', call.args[0], scope)
            elif method in CONFIG_SETTERS and len(call.args) == 2 and any(m == 'get_config' for m, _ in steps):
                s = self.string_arg(call, 0, scope)
                if s:
                    self.config(call, s[0], call.args[1], scope)
            elif method in FUNCTION_REGISTRARS:
                self.register(call, scope)
            elif method in SETUP_CALLS:
                if SETUP_CALLS[method]:
                    self.note(call, f'{method}(): {SETUP_CALLS[method]}', 'dropped')
            else:
                self.note(call, f'`{ast.unparse(call)}`: {method}() has no Sluice equivalent this importer knows')
                return None
        return table

    def checkpointing(self, call, scope):
        try:
            ms = literal(call.args[0], scope)
        except (KeyError, ValueError, IndexError):
            self.note(call, 'enable_checkpointing(): the interval is not a literal')
            return
        self.events.append({'kind': 'config', 'line': call.lineno, 'key': 'execution.checkpointing.interval', 'value': f'{ms}ms' if ms % 1000 else f'{ms // 1000}s'})
        for a in call.args[1:]:
            mode = a.attr if isinstance(a, ast.Attribute) else ast.unparse(a)
            self.events.append({'kind': 'config', 'line': call.lineno, 'key': 'execution.checkpointing.mode', 'value': mode})

    def config(self, call, key, value_node, scope):
        try:
            value = literal(value_node, scope)
        except (KeyError, ValueError):
            self.note(call, f'the value of {key} is not a literal')
            return
        self.events.append({'kind': 'config', 'line': call.lineno, 'key': key, 'value': str(value).lower() if isinstance(value, bool) else str(value)})

    def register(self, call, scope):
        s = self.string_arg(call, 0, scope)
        if not s or len(call.args) < 2:
            return
        fn = call.args[1]
        target = fn.id if isinstance(fn, ast.Name) else None
        self.events.append({'kind': 'function', 'line': call.lineno, 'name': s[0], 'udf': target if target in self.udfs else None, 'python': ast.unparse(fn)})


def main():
    path = sys.argv[1]
    with open(path, encoding='utf-8') as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        print(json.dumps({'syntaxError': {'line': e.lineno, 'message': e.msg}}))
        return
    print(json.dumps(Reader(tree).read()))


if __name__ == '__main__':
    main()
