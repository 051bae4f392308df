"""Static checks of a criteria file against the available methods, and the plan the engine follows.

Every problem is collected (not just the first) with the key path where it can be
found; the loader turns key paths into line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import CriteriaError, Problem
from ..i18n import has
from . import boundary, expr
from .criteria import Check, Criteria, Grades, Indicator
from .dataset import previous_name, previous_of
from .methods import Method

if TYPE_CHECKING:  # pydantic is imported only when parameters are validated (not for a cached plan)
    from pydantic import ValidationError

EPS = 1e-9


@dataclass
class Leaf:
    """An indicator scored by a method: the method, its checked parameters and the fields it reads."""

    indicator: Indicator
    method: Method
    params: Any
    reads: list[str]


@dataclass(frozen=True)
class Scope:
    """Which units of a category an indicator applies to, when that is not whole categories.

    ``categories`` and ``units`` come from ``applies_to`` (a name that is not a category is a
    unit id or name, checked against the unit list when data are read); ``lead`` and
    ``responsible`` from a task's departments, whose points are multiplied by their share.
    """

    key: str  # where the indicator is in the criteria file, e.g. "indicators[12]"
    categories: frozenset[str] = frozenset()
    units: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    lead_share: float = 1.0
    responsible_share: float = 0.0
    divided: bool = False  # a role's share divided among its departments (else each gets it whole)

    @property
    def task(self) -> bool:
        return bool(self.lead or self.responsible)


@dataclass
class Plan:
    """The criteria checked and arranged for scoring: leaves, formulas in order, scopes, checks."""

    criteria: Criteria
    leaves: dict[str, Leaf]
    formulas: list[tuple[str, expr.Node]]  # derived fields in evaluation order
    order: list[Indicator]  # children before parents
    module_of: dict[str, str]
    applies: dict[str, set[str]]  # indicator id -> categories it applies to
    level: dict[str, int]
    previous: list[str] = field(default_factory=list)  # "<field>@上年" columns read (last year's values)
    checks: list[tuple[Check, expr.Node, str, expr.Node]] = field(default_factory=list)  # cross-field checks
    # indicators that apply to some units of a category only (units named in applies_to, 牵头/责任 departments)
    scopes: dict[str, "Scope"] = field(default_factory=dict)
    located: tuple[str, dict[str, int]] | None = None  # (criteria file, key lines): problems found later are located too


def pydantic_problems(err: ValidationError, prefix: str = "") -> list[Problem]:
    out = []
    for e in err.errors():
        path = prefix
        for part in e["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path += ("." if path else "") + str(part)
        code = {
            "missing": "criteria.missing_key",
            "extra_forbidden": "criteria.unknown_key",
        }.get(e["type"], "criteria.bad_value")
        # common pydantic error types have messages of our own (in both languages); a validator's
        # message is a code of ours; anything else keeps pydantic's text in English only
        known = f"pydantic.{e['type']}"
        msg = e["msg"].removeprefix("Value error, ")
        detail = known if has(known) else (msg if has(msg) else "pydantic.other")
        args = {
            "detail": detail,
            "input": _short(e.get("input")),
            "msg": msg,
            "type": e["type"],
            **{k: v for k, v in (e.get("ctx") or {}).items() if k != "error"},
        }
        # the fix of this cause: the key's own advice if there is one, else the check's
        for fix in (f"fix.{path.rsplit('.', 1)[-1]}" if path else "", f"{detail}.fix", f"fix.{e['type']}"):
            if fix and has(fix):
                args["fix"] = fix
                break
        out.append(Problem(code, args, key=path or None))
    return out


def _short(v: Any) -> str:
    if hasattr(v, "isoformat"):  # a TOML date: as it is written in the file
        return v.isoformat()
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _clip(text: str, most: int = 80) -> str:
    """A formula as quoted in a message: a long one cut, the position given says where to look."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _suggest(name: str, known) -> str:
    import difflib  # only when there is a problem to explain

    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.4)
    return "、".join(close) if close else "、".join(sorted(known)[:8])


def _check_bands(g: Grades, key: str, lowest: float) -> list[Problem]:
    out = []
    names = [b.name for b in g.bands]
    if len(set(names)) != len(names):
        out.append(Problem("criteria.band_duplicate", key=f"{key}.bands"))
    bands = sorted(enumerate(g.bands), key=lambda ib: -ib[1].low)
    for i, b in bands[:-1]:
        if b.min is None:
            out.append(Problem("criteria.band_no_min", {"a": b.name}, key=f"{key}.bands[{i}]"))
    for (_, hi), (j, lo) in zip(bands, bands[1:]):
        if lo.max is None or hi.min is None:  # no upper/lower bound: nothing to overlap (a missing min is reported above)
            continue
        if lo.max > hi.min + EPS:
            out.append(Problem("criteria.band_overlap", {"a": lo.name, "b": hi.name, "max": lo.max, "min": hi.min}, key=f"{key}.bands[{j}]"))
        elif lo.max < hi.min - EPS:
            out.append(Problem("criteria.band_gap", {"a": lo.name, "b": hi.name, "max": lo.max, "min": hi.min}, key=f"{key}.bands[{j}]"))
    top_i, top = bands[0]
    if top.max is not None and top.max < EPS + top.low:
        out.append(Problem("criteria.band_empty", {"a": top.name}, key=f"{key}.bands[{top_i}]"))
    bottom_i, bottom = bands[-1]
    if bottom.min is not None and bottom.min > lowest + EPS:
        out.append(Problem("criteria.band_floor", {"a": bottom.name, "min": bottom.min, "low": lowest}, key=f"{key}.bands[{bottom_i}]"))
    if g.fail is not None and g.fail not in names:
        out.append(Problem("criteria.unknown_grade", {"name": g.fail, "known": "、".join(names)}, key=f"{key}.fail"))
    return out


def build_plan(c: Criteria, methods: dict[str, Method], failed_plugins: Sequence[Problem] = (), params: dict[str, Any] | None = None) -> Plan:
    """Check everything that can be checked without data; raise CriteriaError with all problems.

    Each kind of check is a function below, called in the order its problems are reported.
    ``params``: each leaf's parameters already validated (by indicator id, from the plan cache);
    left out, every leaf's are validated here.
    """
    P: list[Problem] = []
    cats = c.categories
    if len(set(cats)) != len(cats):
        P.append(Problem("criteria.duplicate", {"what": "category", "id": "、".join(x for x in cats if cats.count(x) > 1)}, key="assessment.categories"))
    fields = _check_fields(c, P)
    parsed = _parse_formulas(c, fields, P)
    formula_order = _formula_order(parsed, fields, P)
    modules = _check_modules(c, P)
    by_id, pos = _index_indicators(c, P)
    children, scopes = _check_tree(c, by_id, pos, modules, P)
    level, module_of = _levels(by_id, pos, P)
    order_ind = _children_first(by_id, children)
    applies = _applicability(order_ind, children, modules, module_of, scopes)
    leaves = _check_leaves(by_id, pos, children, fields, parsed, methods, failed_plugins, P, params)
    _check_module_sums(modules, by_id, applies, P)
    _check_vetoes(c, fields, P)
    _check_grades(c, P)
    _check_rules(c, P)
    _check_tie_break(c, fields, P)
    checks = _parse_checks(c, fields, P)
    P.extend(_check_aliases(c))
    _check_warnings(c, modules, by_id, P)

    if P:
        raise CriteriaError(P)
    previous = sorted(
        {n for node in parsed.values() for n in expr.names(node) if previous_of(n) in fields}
        | {f for leaf in leaves.values() for f in leaf.reads if previous_of(f) in fields}
    )
    return Plan(c, leaves, [(n, parsed[n]) for n in formula_order], order_ind, module_of, applies, level, previous=previous, scopes=scopes, checks=checks)


def _unknown_categories(c: Criteria, names: list[str] | None, key: str) -> list[Problem]:
    """A category named in an applies_to/weights/categories list that the assessment does not have."""
    return [Problem("criteria.unknown_category", {"name": n, "known": "、".join(c.categories)}, key=key) for n in names or [] if n not in c.categories]


def _check_fields(c: Criteria, P: list[Problem]) -> dict[str, Any]:
    """[[fields]]: names once each, bounds in order, a percent setting the kind can have."""
    fields: dict[str, Any] = {}
    for i, f in enumerate(c.fields):
        if f.name in fields:
            P.append(Problem("criteria.duplicate", {"what": "field", "id": f.name}, key=f"fields[{i}].name"))
        fields[f.name] = f
        lo, hi = f.bounds()
        if lo is not None and hi is not None and lo > hi:
            P.append(Problem("criteria.bad_bounds", {"min": lo, "max": hi}, key=f"fields[{i}]"))
        if f.percent is not None and f.percent != "refuse" and (f.kind in ("count", "bool") or (f.kind == "rate" and f.percent == "fraction")):
            P.append(Problem("criteria.percent_kind", {"field": f.name, "kind": f.kind, "percent": f.percent}, key=f"fields[{i}].percent"))
    return fields


def _parse_formulas(c: Criteria, fields: dict[str, Any], P: list[Problem]) -> dict[str, expr.Node]:
    """Derived fields' formulas: each parses, names declared fields only, and never divides by a literal 0."""
    parsed: dict[str, expr.Node] = {}
    for i, f in enumerate(c.fields):
        if f.formula is None:
            continue
        try:
            node = expr.parse(f.formula)
        except expr.ExprError as e:
            P.append(Problem("criteria.formula", {"formula": _clip(f.formula), "pos": e.position, "detail": e.code, **e.args_}, key=f"fields[{i}].formula"))
            continue
        unknown = [n for n in expr.names(node) if n not in fields and previous_of(n) not in fields]
        for n in unknown:
            P.append(Problem("criteria.unknown_field", {"name": n, "known": _suggest(n, fields)}, key=f"fields[{i}].formula"))
        for div in expr.zero_divisors(node):  # never has a value: the indicator would be dropped for every unit
            P.append(Problem("criteria.zero_divisor", {"formula": _clip(f.formula), "pos": div.pos, "field": f.name}, key=f"fields[{i}].formula"))
        if not unknown:
            parsed[f.name] = node
    return parsed


def _formula_order(parsed: dict[str, expr.Node], fields: dict[str, Any], P: list[Problem]) -> list[str]:
    """Derived fields in evaluation order (a formula after those it reads); a cycle is a problem."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 while its inputs are being visited, 2 once placed
    for name in parsed:
        _visit_formula(name, [], parsed, fields, state, order, P)
    return order


def _visit_formula(
    name: str, chain: list[str], parsed: dict[str, expr.Node], fields: dict[str, Any], state: dict[str, int], order: list[str], P: list[Problem]
) -> None:
    if state.get(name) == 2 or name not in parsed:
        return
    if state.get(name) == 1:
        P.append(Problem("criteria.formula_cycle", {"chain": " → ".join(chain + [name])}, key=f"fields[{list(fields).index(name)}].formula"))
        return
    state[name] = 1
    for dep in sorted(expr.names(parsed[name])):
        _visit_formula(dep, chain + [name], parsed, fields, state, order, P)
    state[name] = 2
    order.append(name)


def _check_modules(c: Criteria, P: list[Problem]) -> dict[str, Any]:
    """[[modules]]: ids once each, known categories, bonus ranges, and weights adding up to the total per category."""
    modules: dict[str, Any] = {}
    places = c.assessment.precision
    for i, m in enumerate(c.modules):
        if m.id in modules:
            P.append(Problem("criteria.duplicate", {"what": "module", "id": m.id}, key=f"modules[{i}].id"))
        modules[m.id] = m
        P.extend(_unknown_categories(c, list(m.weights), f"modules[{i}].weights"))
        if m.bonus.min > 0 or m.bonus.max < 0:
            P.append(Problem("criteria.bonus_range", {"min": m.bonus.min, "max": m.bonus.max}, key=f"modules[{i}].bonus"))
        if any(abs(round(x, places) - x) > EPS for x in (m.bonus.min, m.bonus.max)):
            # the module's bonus is rounded to `precision`: a finer bound would be overstepped by the rounding
            P.append(
                Problem("criteria.bonus_precision", {"module": m.name, "min": m.bonus.min, "max": m.bonus.max, "places": places}, key=f"modules[{i}].bonus")
            )
    for cat in c.categories:
        total = sum(m.weights.get(cat, 0) for m in c.modules)
        if abs(total - c.assessment.total) > 1e-6:
            detail = " + ".join(f"{m.name} {m.weights[cat]:g}" for m in c.modules if cat in m.weights) or "0"
            P.append(Problem("criteria.weights_sum", {"category": cat, "sum": round(total, 6), "detail": detail, "total": c.assessment.total}, key="modules"))
    return modules


def _index_indicators(c: Criteria, P: list[Problem]) -> tuple[dict[str, Indicator], dict[str, int]]:
    """Indicators by id (the first of a duplicated id) and each one's position in the file."""
    by_id: dict[str, Indicator] = {}
    pos: dict[str, int] = {}
    for i, ind in enumerate(c.indicators):
        if ind.id in by_id:
            P.append(Problem("criteria.duplicate", {"what": "indicator", "id": ind.id}, key=f"indicators[{i}].id"))
            continue
        by_id[ind.id] = ind
        pos[ind.id] = i
    return by_id, pos


def _scope_of(ind: Indicator, key: str, catset: set[str]) -> Scope | None:
    """The units an indicator applies to when that is not whole categories (named units, task departments)."""
    units = tuple(n for n in ind.applies_to or () if n not in catset)  # unit ids or names: checked against the unit list
    if not (units or ind.lead is not None or ind.responsible is not None):
        return None
    sp = ind.split
    return Scope(
        key,
        frozenset(n for n in ind.applies_to or () if n in catset),
        units,
        tuple(ind.lead or ()),
        tuple(ind.responsible or ()),
        sp.lead if sp else (1.0 if ind.lead else 0.0),
        sp.responsible if sp else (0.0 if ind.lead else 1.0),
        ind.split_among == "equally",
    )


def _check_tree(
    c: Criteria, by_id: dict[str, Indicator], pos: dict[str, int], modules: dict[str, Any], P: list[Problem]
) -> tuple[dict[str, list[Indicator]], dict[str, Scope]]:
    """Each indicator's place in the tree: a top one in a known module, a child under a known parent."""
    catset = set(c.categories)
    children: dict[str, list[Indicator]] = {}
    scopes: dict[str, Scope] = {}
    places = c.assessment.precision
    for ind in by_id.values():
        k = f"indicators[{pos[ind.id]}]"
        scope = _scope_of(ind, k, catset)
        if scope is not None:
            scopes[ind.id] = scope
        if ind.max_deduction is not None and abs(round(ind.max_deduction, places) - ind.max_deduction) > EPS:
            # points are rounded to `precision`: a finer cap would be overstepped by the rounding
            P.append(Problem("criteria.cap_precision", {"id": ind.id, "cap": ind.max_deduction, "places": places}, key=f"{k}.max_deduction"))
        if ind.parent is None:
            if ind.module is None:
                P.append(Problem("criteria.no_module", {"id": ind.id}, key=k))
            elif ind.module not in modules:
                P.append(Problem("criteria.unknown_module", {"name": ind.module, "known": _suggest(ind.module, modules)}, key=f"{k}.module"))
        else:
            if ind.parent not in by_id:
                P.append(Problem("criteria.unknown_parent", {"name": ind.parent, "known": _suggest(ind.parent, by_id)}, key=f"{k}.parent"))
            else:
                children.setdefault(ind.parent, []).append(ind)
            if ind.module is not None:
                P.append(Problem("criteria.module_on_child", {"id": ind.id}, key=f"{k}.module"))
            if ind.bonus:
                P.append(Problem("criteria.bonus_not_top", {"id": ind.id}, key=f"{k}.bonus"))
    return children, scopes


def _levels(by_id: dict[str, Indicator], pos: dict[str, int], P: list[Problem]) -> tuple[dict[str, int], dict[str, str]]:
    """Each indicator's depth and the module of its top ancestor; a loop of parents is a problem."""
    level: dict[str, int] = {}
    module_of: dict[str, str] = {}
    for ind in by_id.values():
        chain, cur = [ind.id], ind
        while cur.parent is not None and cur.parent in by_id:
            cur = by_id[cur.parent]
            if cur.id in chain:
                P.append(Problem("criteria.parent_cycle", {"chain": " → ".join(chain + [cur.id])}, key=f"indicators[{pos[ind.id]}].parent"))
                break
            chain.append(cur.id)
        level[ind.id] = len(chain)
        module_of[ind.id] = cur.module or ""
    return level, module_of


def _children_first(by_id: dict[str, Indicator], children: dict[str, list[Indicator]]) -> list[Indicator]:
    """The indicators in post-order: children before their parents, as the engine adds them up."""
    order: list[Indicator] = []
    done: set[str] = set()
    for ind in by_id.values():
        if ind.parent is None:
            _post_order(ind, 0, len(by_id), children, done, order)
    return order


def _post_order(ind: Indicator, depth: int, most: int, children: dict[str, list[Indicator]], done: set[str], order: list[Indicator]) -> None:
    if ind.id in done or depth > most:  # a parent loop (reported by _levels) must not recurse forever
        return
    done.add(ind.id)
    for ch in children.get(ind.id, []):
        _post_order(ch, depth + 1, most, children, done, order)
    order.append(ind)


def _applicability(
    order_ind: list[Indicator], children: dict[str, list[Indicator]], modules: dict[str, Any], module_of: dict[str, str], scopes: dict[str, Scope]
) -> dict[str, set[str]]:
    """Categories each indicator applies to: own list ∩ parent's ∩ categories weighting the module."""
    applies: dict[str, set[str]] = {}
    for ind in reversed(order_ind):  # parents first
        base = set(modules[module_of[ind.id]].weights) if module_of[ind.id] in modules else set()
        if ind.parent in applies:
            base &= applies[ind.parent]
        if ind.id in scopes and (scopes[ind.id].units or scopes[ind.id].task):
            pass  # named units may be in any category: which units, the engine decides from the unit list
        elif ind.applies_to is not None:
            base &= set(ind.applies_to)
        applies[ind.id] = base
    for ind in order_ind:  # a group applies where any child does
        if ind.id in children:
            applies[ind.id] &= set().union(*(applies[ch.id] for ch in children[ind.id]))
    return applies


def _check_leaves(
    by_id: dict[str, Indicator],
    pos: dict[str, int],
    children: dict[str, list[Indicator]],
    fields: dict[str, Any],
    parsed: dict[str, expr.Node],
    methods: dict[str, Method],
    failed_plugins: Sequence[Problem],
    P: list[Problem],
    given: dict[str, Any] | None = None,
) -> dict[str, Leaf]:
    """A group's children add up to its points; a leaf names a known method, valid parameters and declared fields."""
    leaves: dict[str, Leaf] = {}
    failed_names = "、".join(p.args.get("name", "") for p in failed_plugins)
    for ind in by_id.values():
        k = f"indicators[{pos[ind.id]}]"
        if ind.id in children:
            if ind.method is not None:
                P.append(Problem("criteria.method_on_group", {"id": ind.id}, key=f"{k}.method"))
            kids = children[ind.id]
            s = sum(ch.full for ch in kids)
            if abs(s - ind.full) > 1e-6:
                P.append(
                    Problem(
                        "criteria.children_sum",
                        {"id": ind.id, "full": ind.full, "sum": round(s, 6), "detail": " + ".join(f"{ch.id} {ch.full:g}" for ch in kids)},
                        key=f"{k}.full",
                    )
                )
            continue
        if ind.method is None:
            P.append(Problem("criteria.no_method", {"id": ind.id}, key=k))
            continue
        method = methods.get(ind.method)
        params = None
        if method is None:
            code = "criteria.unknown_method_failed" if failed_plugins else "criteria.unknown_method"
            P.append(Problem(code, {"name": ind.method, "known": _suggest(ind.method, methods), "failed": failed_names}, key=f"{k}.method"))
        elif given is not None:
            params = given[ind.id]
        else:
            from pydantic import ValidationError

            try:  # a plugin's own validators may raise anything: that is the plugin's fault
                params = boundary.call(Leaf(ind, method, None, []), "params", method.Params.model_validate, ind.params, passes=(ValidationError,))
            except ValidationError as e:
                P.extend(pydantic_problems(e, f"{k}.params"))
        if method is None or params is None:
            # the field it names must be declared whatever the method: say so now, not on the next run
            if ind.field is not None and ind.field not in fields:
                P.append(Problem("criteria.unknown_field", {"name": ind.field, "known": _suggest(ind.field, fields)}, key=f"{k}.field"))
            continue
        leaves[ind.id] = _check_leaf(ind, k, method, params, fields, parsed, P)
    return leaves


def _check_leaf(ind: Indicator, k: str, method: Method, params: Any, fields: dict[str, Any], parsed: dict[str, expr.Node], P: list[Problem]) -> Leaf:
    """A leaf whose method and parameters are valid: its most points, and the fields it reads."""
    probe = Leaf(ind, method, params, [])
    most = boundary.call(probe, "params", method.max_points, params)
    if most is not None and not ind.bonus and most > ind.full + 1e-9:
        P.append(Problem("criteria.points_over_full", {"id": ind.id, "most": most, "full": ind.full}, key=f"{k}.params"))
    reads = []
    if method.uses_field:
        if ind.field is None:
            P.append(Problem("criteria.no_field", {"id": ind.id, "method": ind.method}, key=k))
        else:
            reads.append(ind.field)
    elif ind.field is not None:
        P.append(Problem("criteria.field_not_used", {"id": ind.id, "method": ind.method}, key=f"{k}.field"))
    if method.previous_year and ind.field is not None:
        reads.append(previous_name(ind.field))
    reads += boundary.call(probe, "params", method.inputs, params)

    def named(f: str) -> str:  # where the criteria name the field the method reads (its last year's value: the same)
        return f"{k}.field" if ind.field is not None and ind.field in (f, previous_of(f)) else f"{k}.params"

    for f in reads:
        if f not in fields and previous_of(f) not in fields:
            P.append(Problem("criteria.unknown_field", {"name": f, "known": _suggest(f, fields)}, key=named(f)))
    if method.least_value is not None:  # a field whose range allows values the rule has no meaning for
        for f in reads:
            spec = fields.get(f) or fields.get(previous_of(f) or "")
            if spec is None:  # an unknown field: said above
                continue
            lo = spec.bounds()[0]
            if lo is None or lo < method.least_value:
                P.append(
                    Problem(
                        "criteria.field_below_method",
                        {"id": ind.id, "method": ind.method, "field": spec.name, "least": f"{method.least_value:g}"},
                        key=named(f),
                    )
                )
    P.extend(_check_zero_denominator(ind, reads, parsed, k))
    return Leaf(ind, method, params, reads)


def _check_module_sums(modules: dict[str, Any], by_id: dict[str, Indicator], applies: dict[str, set[str]], P: list[Problem]) -> None:
    """A module's top indicators add up to its points, a bonus is declared, and each weighted category has something to score."""
    for mi, (mid, m) in enumerate(modules.items()):
        key = f"modules[{mi}]"
        tops = [ind for ind in by_id.values() if ind.parent is None and ind.module == mid]
        s = sum(ind.full for ind in tops if not ind.bonus)
        if tops and abs(s - m.full) > 1e-6:
            P.append(Problem("criteria.module_sum", {"module": m.name, "full": m.full, "sum": round(s, 6)}, key=f"{key}.full"))
        if any(ind.bonus for ind in tops) and m.bonus.min == 0 and m.bonus.max == 0:
            P.append(Problem("criteria.bonus_undeclared", {"module": m.name}, key=f"{key}.bonus"))
        for cat in m.weights:
            if not any(cat in applies.get(ind.id, ()) and not ind.bonus for ind in tops):
                P.append(Problem("criteria.module_empty", {"module": m.name, "category": cat}, key=f"{key}.weights"))


def _check_vetoes(c: Criteria, fields: dict[str, Any], P: list[Problem]) -> None:
    """[[vetoes]]: ids once each, a declared field, known categories."""
    seen = set()
    for i, v in enumerate(c.vetoes):
        if v.id in seen:
            P.append(Problem("criteria.duplicate", {"what": "veto", "id": v.id}, key=f"vetoes[{i}].id"))
        seen.add(v.id)
        if v.field not in fields:
            P.append(Problem("criteria.unknown_field", {"name": v.field, "known": _suggest(v.field, fields)}, key=f"vetoes[{i}].field"))
        P.extend(_unknown_categories(c, v.applies_to, f"vetoes[{i}].applies_to"))


def _lowest_total(c: Criteria, cat: str) -> float:
    """The lowest total a unit of the category can get: every module at its lowest bonus (deductions)."""
    return sum(m.weights[cat] * m.bonus.min / m.full for m in c.modules if cat in m.weights)


def _check_grades(c: Criteria, P: list[Problem]) -> None:
    """[[grades]]: each category graded once, bands without gaps or overlaps, quotas of known grades."""
    cats = c.categories
    catset = set(cats)
    covered: dict[str, int] = {}
    for i, g in enumerate(c.grades):
        lowest = min((_lowest_total(c, cat) for cat in (g.categories or cats) if cat in catset), default=0.0)
        P.extend(_unknown_categories(c, g.categories, f"grades[{i}].categories"))
        for cat in g.categories if g.categories is not None else cats:
            if cat in covered:
                P.append(Problem("criteria.grades_twice", {"category": cat, "a": covered[cat], "b": i}, key=f"grades[{i}].categories"))
            covered[cat] = i
        P.extend(_check_bands(g, f"grades[{i}]", lowest))
    if c.grades:
        for cat in cats:
            if cat not in covered:
                P.append(Problem("criteria.grades_missing", {"category": cat}, key="grades"))
    elif any(v.kind == "no_excellent" for v in c.vetoes):
        P.append(Problem("criteria.no_grades_for_veto", key="vetoes"))
    for i, g in enumerate(c.grades):
        names = [b.name for b in g.bands]
        for j, q in enumerate(g.quotas):
            if q.grade not in names:
                P.append(Problem("criteria.unknown_grade", {"name": q.grade, "known": "、".join(names)}, key=f"grades[{i}].quotas[{j}].grade"))


def _check_rules(c: Criteria, P: list[Problem]) -> None:
    """[[decisions.rules]]: ids once each, known categories, grades and vetoes."""
    grade_names = {b.name for g in c.grades for b in g.bands}
    veto_ids = {v.id for v in c.vetoes}
    seen = set()
    for i, r in enumerate(c.decisions.rules):
        k = f"decisions.rules[{i}]"
        if r.id in seen:
            P.append(Problem("criteria.duplicate", {"what": "rule", "id": r.id}, key=f"{k}.id"))
        seen.add(r.id)
        P.extend(_unknown_categories(c, r.applies_to, f"{k}.applies_to"))
        for gname in r.when.grade or []:
            if gname not in grade_names:
                P.append(Problem("criteria.unknown_grade", {"name": gname, "known": "、".join(sorted(grade_names)) or "—"}, key=f"{k}.when.grade"))
        if r.when.veto is not None and r.when.veto not in ("fail", "no_excellent") and r.when.veto not in veto_ids:
            P.append(
                Problem("criteria.unknown_veto", {"name": r.when.veto, "known": "fail、no_excellent、" + "、".join(sorted(veto_ids))}, key=f"{k}.when.veto")
            )


def _check_tie_break(c: Criteria, fields: dict[str, Any], P: list[Problem]) -> None:
    """ranking.tie_break: declared fields, each at most once."""
    tie_break = c.ranking.tie_break
    if len(tie_break) > max(len(fields), 1):  # each a declared field, at most once: no longer than the fields
        P.append(Problem("criteria.too_many", {"what": "ranking.tie_break", "n": len(tie_break), "most": max(len(fields), 1)}, key="ranking.tie_break"))
        return
    first_at: dict[str, int] = {}
    for j, f in enumerate(tie_break):
        if f in first_at:
            P.append(Problem("criteria.tie_break_twice", {"name": f, "first": first_at[f] + 1, "again": j + 1}, key=f"ranking.tie_break[{j}]"))
            continue
        first_at[f] = j
        if f not in fields:
            P.append(Problem("criteria.unknown_field", {"name": f, "known": _suggest(f, fields)}, key=f"ranking.tie_break[{j}]"))


def _check_warnings(c: Criteria, modules: dict[str, Any], by_id: dict[str, Indicator], P: list[Problem]) -> None:
    """[warnings]: thresholds for known modules and indicators only."""
    if c.warnings is None:
        return
    for mid in c.warnings.modules:
        if mid not in modules:
            P.append(Problem("criteria.unknown_module", {"name": mid, "known": _suggest(mid, modules)}, key=f"warnings.modules.{mid}"))
    for iid in c.warnings.indicators:
        if iid not in by_id:
            P.append(Problem("criteria.unknown_indicator", {"name": iid, "known": _suggest(iid, by_id)}, key=f"warnings.indicators.{iid}"))


def _parse_checks(c: Criteria, fields: dict[str, Any], P: list[Problem]) -> list[tuple[Check, expr.Node, str, expr.Node]]:
    """[[checks]]: each rule a comparison of declared fields (``a <= b``, ``a + b = c``)."""
    out = []
    seen: set[str] = set()
    for i, ch in enumerate(c.checks):
        k = f"checks[{i}]"
        if ch.name in seen:
            P.append(Problem("criteria.duplicate", {"what": "check", "id": ch.name}, key=f"{k}.name"))
        seen.add(ch.name)
        P.extend(_unknown_categories(c, ch.applies_to, f"{k}.applies_to"))
        try:
            left, op, right = expr.parse_comparison(ch.rule)
        except expr.ExprError as e:
            P.append(Problem("criteria.check_rule", {"rule": _clip(ch.rule), "pos": e.position, "detail": e.code, **e.args_}, key=f"{k}.rule"))
            continue
        unknown = [n for n in expr.ordered_names(left) + expr.ordered_names(right) if n not in fields]
        for n in unknown:
            P.append(Problem("criteria.unknown_field", {"name": n, "known": _suggest(n, fields)}, key=f"{k}.rule"))
        if not unknown:
            out.append((ch, left, op, right))
    return out


def _check_zero_denominator(ind: Indicator, reads: list[str], parsed: dict[str, expr.Node], key: str) -> list[Problem]:
    """``zero_denominator`` only means something where a formula read by the item divides."""
    if ind.zero_denominator is None:
        return []
    out = []
    if not any(_divides(f, parsed) for f in reads):
        out.append(Problem("criteria.zero_denominator_unused", {"id": ind.id, "fields": "、".join(reads) or "—"}, key=f"{key}.zero_denominator"))
    if ind.bonus and ind.zero_denominator == "full":
        out.append(Problem("criteria.zero_denominator_bonus", {"id": ind.id}, key=f"{key}.zero_denominator"))
    return out


def _divides(name: str, parsed: dict[str, expr.Node], seen: frozenset[str] = frozenset()) -> bool:
    """Whether the derived field, or one it reads, divides (and so can meet 0 ÷ 0)."""
    node = parsed.get(name)
    if node is None or name in seen:
        return False
    return _has_division(node) or any(_divides(n, parsed, seen | {name}) for n in expr.names(node))


def _has_division(node: expr.Node) -> bool:
    return node.op == "/" or any(_has_division(a) for a in node.args)


def _check_aliases(c: Criteria) -> list[Problem]:
    """[[history.aliases]]: an id cannot be its own alias, and the chain old → new must not loop."""
    out = []
    succ: dict[str, set[str]] = {}
    for i, a in enumerate(c.history.aliases):
        if a.old == a.new:
            out.append(Problem("criteria.alias_self", {"id": a.old}, key=f"history.aliases[{i}]"))
            continue
        if a.year is not None and a.year > c.assessment.year:
            out.append(
                Problem("criteria.alias_future", {"old": a.old, "new": a.new, "year": a.year, "this": c.assessment.year}, key=f"history.aliases[{i}].year")
            )
        succ.setdefault(a.old, set()).add(a.new)
    state: dict[str, int] = {}
    for start in sorted(succ):
        if _alias_cycle(start, [], succ, state, out):
            break
    return out


def _alias_cycle(node: str, chain: list[str], succ: dict[str, set[str]], state: dict[str, int], out: list[Problem]) -> bool:
    """Depth-first walk of old → new; the first loop found is reported (one is enough to fix)."""
    if state.get(node) == 1:
        out.append(Problem("criteria.alias_cycle", {"chain": " → ".join(chain + [node])}, key="history.aliases"))
        return True
    if state.get(node) == 2:
        return False
    state[node] = 1
    for nxt in sorted(succ.get(node, ())):
        if _alias_cycle(nxt, chain + [node], succ, state, out):
            return True
    state[node] = 2
    return False
